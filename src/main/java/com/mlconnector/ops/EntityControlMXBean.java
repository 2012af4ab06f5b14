package com.mlconnector.ops;

import java.util.Map;

/**
 * One mapped entity in JMX ({@code com.mlconnector:type=Entity,name=<Table>}), beside Camel's MBeans, for Hawtio:
 * per destination what it holds and how it fares, and the operator's levers.
 */
public interface EntityControlMXBean {
    String getTable();

    String getEntitySet();

    boolean isPaused();

    /** Per destination: last success (ISO time or "never"). */
    Map<String, String> getLastSuccess();

    /** Per destination: rows it confirmed, all runs together. */
    Map<String, Long> getRowsDelivered();

    /** Per destination: seconds since the last success (-1: never). */
    Map<String, Long> getLagSeconds();

    /** Per destination: failed runs since the last success. */
    Map<String, Integer> getFailuresSinceSuccess();

    /** Per destination: dead letters waiting for replay. */
    Map<String, Integer> getDeadLetters();

    /** Per destination: the watermark (growing key or date-window day), -1 when none. */
    Map<String, Long> getWatermark();

    String getLastError();

    /** The latest run: id, status, times, rows, and the short reason of a failure ("never run" before the first). */
    String getLastRun();

    /** Starts a run of the entity now and returns at once with its run id; refused while the entity is paused. */
    String syncNow();

    /** The schedule stops starting runs and business events wait, until resume (kept across restarts). */
    void pause();

    void resume();

    /** Re-delivers every dead letter of this entity; returns what happened to each. */
    String replayDeadLetters();
}
