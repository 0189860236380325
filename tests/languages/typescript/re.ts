declare const require: any;
const [a, b]: number[] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const answer: any = null;
console.log(answer.sum(a, b));  // TypeError, uncaught: exit status 1
