#include "textflag.h"

// This file is fusedPairsAVX2 (see fused_amd64.go for what it computes).

// pair<c><X|Y>: VPSHUFB controls that turn two loaded columns per 128-bit lane
// (8 bytes each: p0 p1 p2 q0 q1 q2 . ., left pixel p, right pixel q) into, per
// 32-bit lane, channel c's pair (p_c, q_c) as int16 for VPMADDWD: X fills lanes
// 0-1 of each half (pixels 0, 1 and 4, 5), Y lanes 2-3 (pixels 2, 3 and 6, 7).
DATA pair0X<>+0x00(SB)/8, $0x800b800880038000
DATA pair0X<>+0x08(SB)/8, $0x8080808080808080
DATA pair0X<>+0x10(SB)/8, $0x800b800880038000
DATA pair0X<>+0x18(SB)/8, $0x8080808080808080
GLOBL pair0X<>(SB), RODATA|NOPTR, $32

DATA pair0Y<>+0x00(SB)/8, $0x8080808080808080
DATA pair0Y<>+0x08(SB)/8, $0x800b800880038000
DATA pair0Y<>+0x10(SB)/8, $0x8080808080808080
DATA pair0Y<>+0x18(SB)/8, $0x800b800880038000
GLOBL pair0Y<>(SB), RODATA|NOPTR, $32

DATA pair1X<>+0x00(SB)/8, $0x800c800980048001
DATA pair1X<>+0x08(SB)/8, $0x8080808080808080
DATA pair1X<>+0x10(SB)/8, $0x800c800980048001
DATA pair1X<>+0x18(SB)/8, $0x8080808080808080
GLOBL pair1X<>(SB), RODATA|NOPTR, $32

DATA pair1Y<>+0x00(SB)/8, $0x8080808080808080
DATA pair1Y<>+0x08(SB)/8, $0x800c800980048001
DATA pair1Y<>+0x10(SB)/8, $0x8080808080808080
DATA pair1Y<>+0x18(SB)/8, $0x800c800980048001
GLOBL pair1Y<>(SB), RODATA|NOPTR, $32

DATA pair2X<>+0x00(SB)/8, $0x800d800a80058002
DATA pair2X<>+0x08(SB)/8, $0x8080808080808080
DATA pair2X<>+0x10(SB)/8, $0x800d800a80058002
DATA pair2X<>+0x18(SB)/8, $0x8080808080808080
GLOBL pair2X<>(SB), RODATA|NOPTR, $32

DATA pair2Y<>+0x00(SB)/8, $0x8080808080808080
DATA pair2Y<>+0x08(SB)/8, $0x800d800a80058002
DATA pair2Y<>+0x10(SB)/8, $0x8080808080808080
DATA pair2Y<>+0x18(SB)/8, $0x800d800a80058002
GLOBL pair2Y<>(SB), RODATA|NOPTR, $32

// PIX0 and PIX1 load the 8 bytes at column k's offset in both rows, into the
// low quadword of R0, R1 (PIX0, which clears the rest) or the high one (PIX1).
#define PIX0(k, R0, R1) \
	MOVLQSX (k*4)(R8)(AX*4), DX \
	VMOVQ (SI)(DX*1), R0 \
	VMOVQ (DI)(DX*1), R1

#define PIX1(k, R0, R1) \
	MOVLQSX (k*4)(R8)(AX*4), DX \
	VPINSRQ $1, (SI)(DX*1), R0, R0 \
	VPINSRQ $1, (DI)(DX*1), R1, R1

// ROWS loads the 8 columns' pixels (bytes o..o+7 of each row) of row 0 into
// Y5 (columns 0, 1 | 4, 5) and Y3 (2, 3 | 6, 7), of row 1 into Y9 and Y7: two
// columns per 128-bit lane, the order the pair controls expect.
#define ROWS \
	PIX0(0, X5, X9) \
	PIX1(1, X5, X9) \
	PIX0(2, X3, X7) \
	PIX1(3, X3, X7) \
	PIX0(4, X6, X8) \
	PIX1(5, X6, X8) \
	PIX0(6, X10, X11) \
	PIX1(7, X10, X11) \
	VINSERTI128 $1, X6, Y5, Y5 \
	VINSERTI128 $1, X8, Y9, Y9 \
	VINSERTI128 $1, X10, Y3, Y3 \
	VINSERTI128 $1, X11, Y7, Y7

// CHANNEL finishes 8 output values of source channel c: the horizontal sums
// of both rows (VPMADDWD with the weights in Y1), VResizeLinear with b0 (Y14)
// and b1 (Y15) in 32-bit lanes, the value table LUT (a gather), stored to OUT.
#define CHANNEL(MX, MY, LUT, OUT) \
	VPSHUFB MX, Y5, Y10 \
	VPSHUFB MY, Y3, Y11 \
	VPOR Y11, Y10, Y10 \
	VPMADDWD Y1, Y10, Y10 \
	VPSHUFB MX, Y9, Y11 \
	VPSHUFB MY, Y7, Y4 \
	VPOR Y4, Y11, Y11 \
	VPMADDWD Y1, Y11, Y11 \
	VPSRAD $4, Y10, Y10 \
	VPSRAD $4, Y11, Y11 \
	VPMULLD Y14, Y10, Y10 \
	VPMULLD Y15, Y11, Y11 \
	VPSRAD $16, Y10, Y10 \
	VPSRAD $16, Y11, Y11 \
	VPADDD Y11, Y10, Y10 \
	VPADDD Y12, Y10, Y10 \
	VPSRAD $2, Y10, Y10 \
	VPCMPEQD Y2, Y2, Y2 \
	VGATHERDPS Y2, (LUT)(Y10*4), Y4 \
	VMOVUPS Y4, (OUT)(AX*4)

// func fusedPairsAVX2(r0, r1 *uint8, offs *int32, wts *uint32, n int, b0, b1 int32, out0, out1, out2, lut0, lut1, lut2 *float32)
TEXT ·fusedPairsAVX2(SB), NOSPLIT, $0-96
	MOVQ r0+0(FP), SI
	MOVQ r1+8(FP), DI
	MOVQ offs+16(FP), R8
	MOVQ wts+24(FP), R9
	MOVQ n+32(FP), CX
	MOVL b0+40(FP), DX
	MOVQ DX, X14
	VPBROADCASTD X14, Y14
	MOVL b1+44(FP), DX
	MOVQ DX, X15
	VPBROADCASTD X15, Y15
	MOVQ out0+48(FP), R10
	MOVQ out1+56(FP), R11
	MOVQ out2+64(FP), R12
	MOVQ lut0+72(FP), R13
	MOVQ lut1+80(FP), R14
	MOVQ lut2+88(FP), BX
	MOVQ $2, DX
	MOVQ DX, X12
	VPBROADCASTD X12, Y12
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VMOVDQU (R9)(AX*4), Y1
	ROWS
	CHANNEL(pair0X<>(SB), pair0Y<>(SB), R13, R10)
	CHANNEL(pair1X<>(SB), pair1Y<>(SB), R14, R11)
	CHANNEL(pair2X<>(SB), pair2Y<>(SB), BX, R12)
	ADDQ $8, AX
	JMP  loop

done:
	VZEROUPPER
	RET
