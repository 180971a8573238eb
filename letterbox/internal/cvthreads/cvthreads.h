#ifdef __cplusplus
extern "C" {
#endif
void cvthreads_set(int n);
int cvthreads_get(void);
#ifdef __cplusplus
}
#endif
