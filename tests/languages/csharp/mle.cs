using System;
using System.Collections.Generic;

// Keeps 1 GiB of touched memory in 1 MiB arrays.
public class Program
{
    public static void Main()
    {
        var kept = new List<byte[]>();
        for (int i = 0; i < 1024; i++)
        {
            var block = new byte[1 << 20];
            for (int j = 0; j < block.Length; j += 512) block[j] = (byte)(i | 1);
            kept.Add(block);
        }
        Console.WriteLine(kept.Count);
    }
}
