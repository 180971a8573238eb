// Package withoutopencv holds a test of package explain in a program that
// does not import dataset/opencv, so the "opencv" decoder is not registered:
// what a team without OpenCV installed gets. It has no code of its own.
package withoutopencv
