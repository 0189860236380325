package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	var a, b int64
	in := bufio.NewReader(os.Stdin)
	if _, err := fmt.Fscan(in, &a, &b); err != nil {
		os.Exit(1)
	}
	fmt.Println(a + b)
}
