/* Built by tests/check-mpi.sh with nothing but `pkg-config --cflags --libs libgan-mpi`
 * against an installed libgan-mpi, and run under mpirun: every process joins the world and
 * they agree on a decision. */
#include <stdio.h>

#include <gan-mpi.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    gan_mpi *mpi = NULL;
    int flag = 0, code = 1;
    if (gan_mpi_new(&mpi, MPI_COMM_WORLD, 30.0) == GAN_OK) {
        flag = gan_mpi_rank(mpi) == gan_mpi_world(mpi) - 1; /* only the last one says yes */
        if (gan_mpi_any(mpi, &flag) == GAN_OK && flag == 1)
            code = 0;
        printf("rank %d of %d: any = %d\n", gan_mpi_rank(mpi), gan_mpi_world(mpi), flag);
    }
    gan_mpi_free(mpi);
    MPI_Finalize();
    return code;
}
