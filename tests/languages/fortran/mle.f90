! Allocates 1 GiB and touches every page.
program main
  implicit none
  integer(8) :: i, total
  integer(1), allocatable :: a(:)
  allocate (a(1073741824_8))
  do i = 1, size(a, kind=8), 4096
    a(i) = 1
  end do
  total = 0
  do i = 1, size(a, kind=8), 4096
    total = total + a(i)
  end do
  print '(I0)', total
end program main
