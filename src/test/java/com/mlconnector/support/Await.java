package com.mlconnector.support;

import java.util.concurrent.Callable;

/** Waits for something that happens on another thread (a webhook, an event read) to become true. */
public final class Await {
    private Await() {
    }

    /** Polls every 50 ms; an exception while asking counts as "not yet". */
    public static void until(Callable<Boolean> condition, long millis, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!ask(condition)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out after " + millis + " ms waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    private static boolean ask(Callable<Boolean> condition) {
        try {
            return Boolean.TRUE.equals(condition.call());
        } catch (Exception notYet) {
            return false;
        }
    }
}
