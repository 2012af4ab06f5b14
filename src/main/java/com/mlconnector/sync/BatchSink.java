package com.mlconnector.sync;

/** Where batches land. Writing a batch is all-or-nothing, and writing it again changes nothing. */
public interface BatchSink {
    void write(Batch batch) throws Exception;
}
