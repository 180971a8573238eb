// Command nocv is a program that uses detparity as a library without importing
// OpenCV (TestLibraryWithoutOpenCV runs it): a run whose pipeline decodes with
// decoder=go works, and one that asks for the unregistered OpenCV decoder fails
// with the import to add.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/detparity/detparity/parity"
)

func main() {
	cfg := parity.DefaultConfig()
	cfg.Model, cfg.Data = os.Args[1], os.Args[2]
	cfg.Pipelines = []string{"sg-coco:decoder=go"}
	res, err := parity.Run(context.Background(), cfg)
	if err != nil {
		fmt.Println("decoder=go:", err)
		os.Exit(1)
	}
	fmt.Printf("decoder=go: %d images evaluated, F1 %.4f\n", res.Evaluated, res.Pipelines[0].F1)
	cfg.Pipelines = []string{"sg-coco"}
	_, err = parity.Run(context.Background(), cfg)
	fmt.Println("decoder=opencv:", err)
}
