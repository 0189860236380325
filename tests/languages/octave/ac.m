x = fscanf(stdin, "%f");
printf("%d\n", x(1) + x(2));
