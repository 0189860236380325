// Keeps 1 GiB of touched memory in 1 MiB vectors.
fn main() {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for i in 0..1024u32 {
        kept.push(vec![(i | 1) as u8; 1 << 20]);
    }
    let sum: u64 = kept.iter().map(|v| v[7] as u64).sum();
    println!("{}", sum);
}
