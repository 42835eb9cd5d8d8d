/*
 * Every C test, in the order they run.  X(name) is a test expected to pass;
 * TODO(name, why) is a test that shows a known core bug (see runner.c).
 * Each name must have a matching TEST(name) in some .c file of tests/c.
 */
/* Why the TODO tests fail until the core is fixed. */
#define ERRSTACK_BUG                                                         \
    "ops_*.c close ids (H5Pclose...) before ha_op_fail(): HDF5 clears its "  \
    "error stack on each API call, so every failure is HA_E_HDF5"
#define STAGED_BUG "engine.c ha_run fast path never adds staged_bytes"

#define HA_TEST_LIST(X, TODO)                                                \
    /* test_engine.c */                                                      \
    X(queue_fifo_order)                                                      \
    X(concurrent_submitters_serialised)                                      \
    X(es_wait_timeout)                                                       \
    X(es_counts)                                                             \
    X(es_errors_fail_op)                                                     \
    X(run_inline_fast_path)                                                  \
    X(run_timeout_then_wait)                                                 \
    X(drain_timeout)                                                         \
    X(cancel_queued_tasks)                                                   \
    X(task_cancel_single)                                                    \
    X(notify_fd_signals)                                                     \
    X(staged_bytes_balanced)                                                 \
    TODO(staged_bytes_inline, STAGED_BUG)                                     \
    /* test_hdf5.c */                                                        \
    TODO(hdf5_group_exists, ERRSTACK_BUG)                                    \
    X(hdf5_dependency_names_root)                                            \
    TODO(hdf5_open_missing_file, ERRSTACK_BUG)                               \
    TODO(hdf5_readonly_write, ERRSTACK_BUG)                                  \
    X(hdf5_cancel_leaves_dependency)                                         \
    X(hdf5_handle_release_closes_file)                                       \
    X(hdf5_links_sync)                                                       \
    /* test_dataset.c */                                                     \
    X(dset_write_read_all)                                                   \
    X(dset_slab_write_read)                                                  \
    X(dset_create_with_data_and_resize)                                      \
    X(attr_write_read)                                                       \
    TODO(attr_missing_not_found, ERRSTACK_BUG)                               \
    /* test_lifecycle.c */                                                   \
    X(shutdown_then_submit_restarts)                                         \
    X(file_close_closes_children)                                            \
    X(shutdown_flushes_pending_writes)
