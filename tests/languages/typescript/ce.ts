// A type error: tsc refuses it (exit status 2).
const n: number = "three";
console.log(n);
