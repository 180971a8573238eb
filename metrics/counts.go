package metrics

// Counts are thresholded detection counts over a set of images. GT == TP+FN always.
type Counts struct {
	// Images is the number of images added; in [Accumulator.PerClass] it is the number
	// of images with at least one ground truth of that class (Ultralytics' per-class
	// "Images" column).
	Images int
	// GT is the number of ground-truth objects.
	GT int
	// TP, FP and FN are true positives, false positives and false negatives.
	TP, FP, FN int
}

// Precision is TP/(TP+FP). It is 0 when there are no detections above conf (TP+FP == 0),
// the convention of Ultralytics and scikit-learn (zero_division=0): a model that finds
// nothing is not rewarded with precision 1.
func (c Counts) Precision() float64 {
	if c.TP+c.FP == 0 {
		return 0
	}
	return float64(c.TP) / float64(c.TP+c.FP)
}

// Recall is TP/(TP+FN). It is 0 when there is no ground truth (TP+FN == 0).
func (c Counts) Recall() float64 {
	if c.TP+c.FN == 0 {
		return 0
	}
	return float64(c.TP) / float64(c.TP+c.FN)
}

// F1 is the harmonic mean 2PR/(P+R) of [Counts.Precision] and [Counts.Recall]; it is 0
// when P+R == 0. Mathematically equal to 2TP/(2TP+FP+FN).
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// add returns the field-wise sum of c and o.
func (c Counts) add(o Counts) Counts {
	return Counts{
		Images: c.Images + o.Images,
		GT:     c.GT + o.GT,
		TP:     c.TP + o.TP,
		FP:     c.FP + o.FP,
		FN:     c.FN + o.FN,
	}
}
