program main
  implicit none
  integer(8) :: a
  a = undeclared_name + 1
  print '(I0)', a
end program main
