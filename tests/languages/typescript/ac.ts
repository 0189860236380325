// No @types/node in Debian (nor in Judge0's image): declare what is used.
declare const require: any;
const [a, b]: number[] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(String(a + b));
