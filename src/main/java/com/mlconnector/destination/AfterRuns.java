package com.mlconnector.destination;

import com.mlconnector.state.FollowUpsOwed;

import java.util.List;

/**
 * A destination's follow-up that is asked once after the runs that landed rows (the Databricks Job, the refresh of a
 * Power BI model), not once per table run: 12 tables synced make one job run, one refresh. See sync.FollowUps.
 */
public interface AfterRuns {
    /** The destination's name: what its follow-ups are owed under. */
    String name();

    /** The service's window: a follow-up is asked once the oldest run owing it is this old. */
    int coalesceSeconds();

    /**
     * Asks the follow-up once for everything owed (each table with the run that landed it); returns normally only when
     * it succeeded, so what it covered is settled; throws otherwise, and it stays owed.
     */
    void followUp(List<FollowUpsOwed.Owed> owed) throws Exception;
}
