using System;

public class Program
{
    public static void Main()
    {
        string[] t = Console.In.ReadToEnd().Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        long a = long.Parse(t[0]);
        long b = long.Parse(t[1]);
        Console.WriteLine(a + b + 1);
    }
}
