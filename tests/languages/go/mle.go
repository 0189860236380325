package main

import "fmt"

// Keeps 1 GiB of touched memory in 1 MiB slices.
func main() {
	var kept [][]byte
	for i := 0; i < 1024; i++ {
		block := make([]byte, 1<<20)
		for j := range block {
			block[j] = byte(i | 1)
		}
		kept = append(kept, block)
	}
	fmt.Println(len(kept))
}
