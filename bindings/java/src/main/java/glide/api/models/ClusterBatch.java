package glide.api.models;

import glide.internal.CommandList;

/**
 * A batch for {@code GlideClusterClient}, as Valkey GLIDE's ClusterBatch. Atomic (a transaction):
 * MULTI/EXEC on the primary owning the batch's slot, every key in one slot. Non-atomic (a
 * pipeline): the commands are split per node by slot and sent to the nodes in parallel. Either way
 * the result has one element per command, in the order they were added.
 */
public class ClusterBatch extends BaseBatch<ClusterBatch> {
    /** @param isAtomic true: a transaction (MULTI/EXEC); false: a pipeline */
    public ClusterBatch(boolean isAtomic) {
        super(isAtomic);
    }

    @Override
    protected ClusterBatch getThis() {
        return this;
    }

    /**
     * PUBLISH channel message, or SPUBLISH (routed by the channel's slot) when sharded (Valkey
     * 7.0+). Reply: {@code Long}, the number of subscribers (of that shard when sharded) that got
     * it.
     */
    public ClusterBatch publish(String message, String channel, boolean sharded) {
        return addStrings(
                sharded ? CommandList.SPUBLISH : CommandList.PUBLISH,
                new String[0],
                message,
                channel);
    }

    /** PUBLISH channel message (not sharded). */
    public ClusterBatch publish(String message, String channel) {
        return publish(message, channel, false);
    }

    public ClusterBatch publish(GlideString message, GlideString channel, boolean sharded) {
        return addBinary(
                sharded ? CommandList.SPUBLISH : CommandList.PUBLISH,
                new String[0],
                message,
                channel);
    }

    public ClusterBatch publish(GlideString message, GlideString channel) {
        return publish(message, channel, false);
    }

    /**
     * PUBSUB SHARDCHANNELS, sent to every primary and merged. Reply: {@code Object[]} of the
     * active shard channels.
     */
    public ClusterBatch pubsubShardChannels() {
        return addStrings(CommandList.SHARDCHANNELS, new String[0]);
    }

    /** PUBSUB SHARDCHANNELS pattern: the active shard channels matching a glob-style pattern. */
    public ClusterBatch pubsubShardChannels(String pattern) {
        return addStrings(CommandList.SHARDCHANNELS, new String[0], pattern);
    }

    public ClusterBatch pubsubShardChannels(GlideString pattern) {
        return addBinary(CommandList.SHARDCHANNELS, new String[0], pattern);
    }

    /**
     * PUBSUB SHARDNUMSUB channels. Reply: {@code Map} from channel to its {@code Long} subscriber
     * count (no channels: an empty map).
     */
    public ClusterBatch pubsubShardNumSub(String[] channels) {
        return addStrings(CommandList.SHARDNUMSUB, new String[0], channels);
    }

    public ClusterBatch pubsubShardNumSub(GlideString[] channels) {
        return addBinary(CommandList.SHARDNUMSUB, new String[0], channels);
    }
}
