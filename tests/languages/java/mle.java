import java.util.ArrayList;
import java.util.Arrays;

// Keeps 1 GiB of touched memory in 1 MiB arrays (no single array larger than
// the heap, so the JVM keeps growing until the box's memory limit stops it).
public class Main {
    public static void main(String[] args) {
        ArrayList<byte[]> kept = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            byte[] block = new byte[1 << 20];
            Arrays.fill(block, (byte) (i | 1));
            kept.add(block);
        }
        long sum = 0;
        for (byte[] b : kept) sum += b[7];
        System.out.println(sum);
    }
}
