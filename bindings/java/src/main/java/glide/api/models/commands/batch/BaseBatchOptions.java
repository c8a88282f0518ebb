package glide.api.models.commands.batch;

/** What every exec's options hold: a timeout (ms) for the whole batch (null: the client's). */
public abstract class BaseBatchOptions {
    private final Integer timeout;

    protected BaseBatchOptions(Integer timeout) {
        this.timeout = timeout;
    }

    public Integer getTimeout() {
        return timeout;
    }
}
