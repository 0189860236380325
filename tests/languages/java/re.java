import java.util.Scanner;

public class Main {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        int[] answer = new int[1];
        System.out.println(answer[(int) (a + b)]);  // ArrayIndexOutOfBoundsException
    }
}
