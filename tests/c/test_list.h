/*
 * Every C test, in the order they run.  X(name) is a test expected to pass;
 * TODO(name, why) is a test that shows a known core bug (see runner.c).
 * Each name must have a matching TEST(name) in some .c file of tests/c.
 */
#define HA_TEST_LIST(X, TODO)                                                \
    /* test_engine.c */                                                      \
    X(queue_fifo_order)                                                      \
    X(concurrent_submitters_serialised)                                      \
    X(waiters_help_in_queue_order)                                           \
    X(waiter_hands_unhelpable_task_back)                                     \
    X(es_wait_timeout)                                                       \
    X(es_counts)                                                             \
    X(es_errors_fail_op)                                                     \
    X(run_inline_fast_path)                                                  \
    X(run_timeout_then_wait)                                                 \
    X(drain_timeout)                                                         \
    X(cancel_queued_tasks)                                                   \
    X(task_cancel_single)                                                    \
    X(notify_fd_signals)                                                     \
    /* test_staging.c */                                                     \
    X(staged_bytes_balanced)                                                 \
    X(staged_bytes_inline)                                                   \
    X(stage_backpressure)                                                    \
    X(stage_pool_reuses_large_buffers)                                       \
    X(stage_pool_frees_idle_buffers)                                         \
    /* test_hdf5.c */                                                        \
    X(hdf5_group_exists)                                                     \
    X(hdf5_dependency_names_root)                                            \
    X(hdf5_open_missing_file)                                                \
    X(hdf5_readonly_write)                                                   \
    X(hdf5_cancel_leaves_dependency)                                         \
    X(hdf5_handle_release_closes_file)                                       \
    X(hdf5_links_sync)                                                       \
    X(hdf5_handle_release_race)                           \
    /* test_dataset.c */                                                     \
    X(dset_write_read_all)                                                   \
    X(dset_slab_write_read)                                                  \
    X(dset_create_with_data_and_resize)                                      \
    X(attr_write_read)                                                       \
    X(attr_missing_not_found)                                                \
    X(attr_list_by_name)                                   \
    /* test_lifecycle.c */                                                   \
    X(shutdown_then_submit_restarts)                                         \
    X(file_close_closes_children)                                            \
    X(shutdown_flushes_pending_writes)                                       \
    /* test_exit.c */                                                        \
    X(es_close_refuses_new_tasks)                                            \
    X(drain_upto_ignores_later_tasks)                                        \
    X(exit_interrupt_cancels_queued_and_counts_bytes)                        \
    X(es_wait_close_submit_race)                                             \
    /* test_limits.c */                                                      \
    X(config_parse_bytes)                                                    \
    X(config_env_checked_once)                                               \
    X(config_env_valid)                                                      \
    X(checked_counts)                                                        \
    X(notify_many_fds)                                                       \
    X(notify_fork_resets)                                                    \
    /* test_filters.c */                                                     \
    X(fletcher32_matches_hdf5)                                               \
    X(shuffle_fletcher32_bytes_match_hdf5)                                   \
    X(deflate_streams_cross_decode)                                          \
    X(codec_pool_runs_and_resizes)                                           \
    X(pipeline_through_the_engine)                                           \
    X(plugin_codecs_round_trip)                                              \
    X(lz4_framing)                                                           \
    X(plugin_filters_match_hdf5s_path)                                       \
    X(plugin_pipeline_through_the_engine)
