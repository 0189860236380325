import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.StringTokenizer;

public class Main {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        StringBuilder all = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) all.append(line).append(' ');
        StringTokenizer t = new StringTokenizer(all.toString());
        long a = Long.parseLong(t.nextToken());
        long b = Long.parseLong(t.nextToken());
        System.out.println(a + b);
    }
}
