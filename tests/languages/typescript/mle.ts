// Keeps 1 GiB of touched memory in 1 MiB buffers (outside the V8 heap, so the
// box's memory limit, not V8's heap limit, is what stops it).
declare const Buffer: any;
const kept: any[] = [];
for (let i = 0; i < 1024; i++) kept.push(Buffer.alloc(1 << 20, i | 1));
console.log(kept.length);
