#ifndef DETPARITY_IMDECODE_H
#define DETPARITY_IMDECODE_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
// Result codes of detparity_imdecode.
enum {
	DETPARITY_IMDECODE_OK = 0,
	DETPARITY_IMDECODE_EMPTY = 1,     // cv::imdecode returned an empty image
	DETPARITY_IMDECODE_EXCEPTION = 2, // cv::imdecode threw; err holds its what()
	DETPARITY_IMDECODE_SHAPE = 3      // the image is not a continuous w x h CV_8UC3 (got_* say what it is)
};
int detparity_imdecode(const unsigned char *data, size_t len, unsigned char *dst, int w, int h,
	int *got_w, int *got_h, int *got_type, char *err, size_t err_len);
#ifdef __cplusplus
}
#endif
#endif
