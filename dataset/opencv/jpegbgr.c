#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>
#ifndef JCS_EXTENSIONS
#error "detparity needs libjpeg-turbo (JCS_EXT_BGR), the libjpeg Debian's OpenCV links"
#endif
#include "jpegbgr.h"

// The steps of OpenCV 4.6's JpegDecoder (modules/imgcodecs/src/grfmt_jpeg.cpp,
// readHeader + readData), for the files where they reduce to plain libjpeg calls:
// jpeg_read_header; scale 1/1; out_color_space JCS_RGB with 3 output components for
// a file of 1 or 3 components; every other decompression parameter left at
// libjpeg's default (JDCT_ISLOW, fancy upsampling, block smoothing);
// jpeg_start_decompress; one scanline at a time, each swapped RGB -> BGR by
// icvCvt_RGB2BGR_8u_C3R (a scalar byte loop, most of the decode's time);
// jpeg_finish_decompress. Here libjpeg(-turbo) writes BGR itself (JCS_EXT_BGR: the
// same conversion with the channels stored in the other order) straight into the
// caller's rows. Everything OpenCV does beyond that is declined, and the caller
// then decodes with cv::imdecode: an APP1 segment (readHeader parses the first as
// EXIF and imdecode applies its orientation), 4 components (OpenCV's own CMYK
// conversion), no Huffman table before the scans (OpenCV installs the MJPEG
// tables), any libjpeg error or warning (OpenCV's own handling and message).

typedef struct {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
} bgr_error;

static void bgr_error_exit(j_common_ptr c) { longjmp(((bgr_error *)c->err)->jump, 1); }

// bgr_emit counts warnings without printing them: a file that warns is declined and
// decoded again by cv::imdecode, which prints OpenCV's usual message.
static void bgr_emit(j_common_ptr c, int level) {
	if (level < 0) {
		c->err->num_warnings++;
	}
}

int detparity_jpeg_bgr(const unsigned char *data, size_t len, unsigned char *dst, int w, int h) {
	struct jpeg_decompress_struct cinfo;
	bgr_error err;
	volatile int rc = DETPARITY_JPEG_ERROR;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = bgr_error_exit;
	err.pub.emit_message = bgr_emit;
	jpeg_create_decompress(&cinfo);
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		return rc;
	}
	jpeg_mem_src(&cinfo, (unsigned char *)data, (unsigned long)len);
	jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 16); // kept only to see whether there is one
	jpeg_read_header(&cinfo, TRUE);
	for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
		if (m->marker == JPEG_APP0 + 1) {
			rc = DETPARITY_JPEG_APP1;
			goto decline;
		}
	}
	if (cinfo.num_components != 1 && cinfo.num_components != 3) {
		rc = DETPARITY_JPEG_COMPONENTS;
		goto decline;
	}
	if (!cinfo.ac_huff_tbl_ptrs[0] && !cinfo.ac_huff_tbl_ptrs[1] && !cinfo.dc_huff_tbl_ptrs[0] &&
		!cinfo.dc_huff_tbl_ptrs[1]) {
		rc = DETPARITY_JPEG_NO_TABLES;
		goto decline;
	}
	cinfo.out_color_space = JCS_EXT_BGR;
	cinfo.scale_num = 1;
	cinfo.scale_denom = 1;
	jpeg_calc_output_dimensions(&cinfo);
	if ((int)cinfo.output_width != w || (int)cinfo.output_height != h || cinfo.out_color_components != 3) {
		rc = DETPARITY_JPEG_SIZE;
		goto decline;
	}
	jpeg_start_decompress(&cinfo);
	{
		size_t stride = (size_t)w * 3;
		JSAMPROW rows[16];
		while (cinfo.output_scanline < cinfo.output_height) {
			JDIMENSION k = cinfo.output_height - cinfo.output_scanline;
			if (k > 16) {
				k = 16;
			}
			for (JDIMENSION i = 0; i < k; i++) {
				rows[i] = dst + (size_t)(cinfo.output_scanline + i) * stride;
			}
			if (jpeg_read_scanlines(&cinfo, rows, k) == 0) {
				goto decline; // cannot happen with a memory source; rc is still ERROR
			}
		}
	}
	jpeg_finish_decompress(&cinfo);
	if (err.pub.num_warnings > 0) {
		rc = DETPARITY_JPEG_WARNING;
		goto decline;
	}
	jpeg_destroy_decompress(&cinfo);
	return DETPARITY_JPEG_OK;
decline:
	jpeg_destroy_decompress(&cinfo);
	return rc;
}
