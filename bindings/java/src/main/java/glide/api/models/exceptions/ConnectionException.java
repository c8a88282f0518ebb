package glide.api.models.exceptions;

/**
 * Could not connect (refused, unreachable, name not resolved, TLS or authentication refused), or a
 * connection was lost. The client keeps reconnecting: later requests may succeed.
 */
public class ConnectionException extends RequestException {
    private static final long serialVersionUID = 1L;

    public ConnectionException(String message) {
        super(message);
    }
}
