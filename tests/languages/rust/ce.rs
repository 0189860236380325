use std::io::Read;

fn main() {
    let input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap(); // borrows an immutable binding mutably
    let v: Vec<i64> = input.split_whitespace().map(|x| x.parse().unwrap()).collect();
    println!("{}", v[0] + v[1]);
}
