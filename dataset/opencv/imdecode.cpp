#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include "imdecode.h"

namespace {

// intoAllocator gives the first allocation of exactly the caller's size the
// caller's memory, and every other one OpenCV's own (the StdMatAllocator of
// OpenCV 4.6, modules/core/src/matrix.cpp, does the same with fastMalloc).
class intoAllocator : public cv::MatAllocator {
public:
	intoAllocator(unsigned char *dst, size_t n) : dst_(dst), n_(n), used_(false) {}

	cv::UMatData *allocate(int dims, const int *sizes, int type, void *data0, size_t *step,
		cv::AccessFlag, cv::UMatUsageFlags) const override {
		size_t total = CV_ELEM_SIZE(type);
		for (int i = dims - 1; i >= 0; i--) {
			if (step) {
				if (data0 && step[i] != cv::Mat::AUTO_STEP) {
					CV_Assert(total <= step[i]);
					total = step[i];
				} else {
					step[i] = total;
				}
			}
			total *= sizes[i];
		}
		unsigned char *data = (unsigned char *)data0;
		bool user = data0 != nullptr;
		if (!data && !used_ && total == n_) {
			data = dst_;
			user = true;
			used_ = true;
		}
		if (!data) {
			data = (unsigned char *)cv::fastMalloc(total);
		}
		cv::UMatData *u = new cv::UMatData(this);
		u->data = u->origdata = data;
		u->size = total;
		if (user) {
			u->flags |= cv::UMatData::USER_ALLOCATED;
		}
		return u;
	}

	bool allocate(cv::UMatData *u, cv::AccessFlag, cv::UMatUsageFlags) const override { return u != nullptr; }

	void deallocate(cv::UMatData *u) const override {
		if (!u) {
			return;
		}
		if (!(u->flags & cv::UMatData::USER_ALLOCATED)) {
			cv::fastFree(u->origdata);
		}
		delete u;
	}

private:
	unsigned char *dst_;
	size_t n_;
	mutable bool used_;
};

} // namespace

// detparity_imdecode is cv::imdecode(data, IMREAD_COLOR, &out) with out an empty
// Mat whose allocator hands OpenCV the caller's dst (w*h*3 bytes) for the image:
// OpenCV 4.6's imdecode_ (modules/imgcodecs/src/loadsave.cpp) creates the image
// at the decoded size and type, so a w x h 8-bit 3-channel image is decoded
// straight into dst. An image stored at another size (an EXIF orientation that
// swaps width and height: decoded, then rotated into new memory) is copied into
// dst when it ends up w x h CV_8UC3. out starts empty so that a failure, which
// may leave it untouched, is seen as one. Neither data nor dst is kept.
int detparity_imdecode(const unsigned char *data, size_t len, unsigned char *dst, int w, int h,
	int *got_w, int *got_h, int *got_type, char *err, size_t err_len) {
	intoAllocator alloc(dst, (size_t)w * (size_t)h * 3); // outlives every Mat below
	try {
		cv::Mat raw(1, (int)len, CV_8U, (void *)data);
		cv::Mat out;
		out.allocator = &alloc;
		cv::Mat res = cv::imdecode(raw, cv::IMREAD_COLOR, &out);
		if (res.empty()) {
			return DETPARITY_IMDECODE_EMPTY;
		}
		*got_w = res.cols;
		*got_h = res.rows;
		*got_type = res.type();
		if (res.cols != w || res.rows != h || res.type() != CV_8UC3 || !res.isContinuous()) {
			return DETPARITY_IMDECODE_SHAPE;
		}
		if (res.data != dst) {
			std::memcpy(dst, res.data, (size_t)w * (size_t)h * 3);
		}
		return DETPARITY_IMDECODE_OK;
	} catch (const std::exception &e) {
		std::strncpy(err, e.what(), err_len - 1);
		err[err_len - 1] = 0;
		return DETPARITY_IMDECODE_EXCEPTION;
	}
}
