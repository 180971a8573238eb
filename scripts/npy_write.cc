// npy_write.cc: the README's C++ snippet for dumping a tensor as NumPy .npy, with
// a main that writes a known tensor so that go test ./npy can compile it, run it
// and read the file back (npy/cxx_test.go).
//
//   g++ -O1 -o npy_write scripts/npy_write.cc && ./npy_write out.npy 4 5
#include <cstdio>
#include <cstdlib>
#include <vector>

// Writes n float32 values of shape (1, 3, h, w) as numpy's .npy version 1.0.
void save_npy(const char* path, const float* data, int h, int w) {
  char dict[128];
  int len = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, %d, %d), }", h, w);
  int pad = 64 - (10 + len + 1) % 64;            // header + newline padded to a multiple of 64
  FILE* f = fopen(path, "wb");
  unsigned short hlen = len + pad + 1;
  fwrite("\x93NUMPY\x01\x00", 1, 8, f); fwrite(&hlen, 2, 1, f);   // little-endian hosts
  fwrite(dict, 1, len, f); for (int i = 0; i < pad; i++) fputc(' ', f); fputc('\n', f);
  fwrite(data, sizeof(float), (size_t)3 * h * w, f); fclose(f);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: npy_write OUT.npy H W\n");
    return 2;
  }
  int h = atoi(argv[2]), w = atoi(argv[3]);
  std::vector<float> t((size_t)3 * h * w);
  for (size_t i = 0; i < t.size(); i++) t[i] = (float)i / 8.0f - 1.5f;  // exact in float32
  save_npy(argv[1], t.data(), h, w);
  return 0;
}
