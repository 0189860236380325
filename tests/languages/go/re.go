package main

import "fmt"

func main() {
	var a, b int64
	fmt.Scan(&a, &b)
	var answers []int64
	fmt.Println(answers[a+b]) // index out of range: panic, exit status 2
}
