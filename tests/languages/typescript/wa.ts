declare const require: any;
const [a, b]: string[] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/);
console.log(a + b);  // string concatenation
