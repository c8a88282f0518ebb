package glide.api.models.exceptions;

/**
 * The client is closed: requests still pending when {@code close()} was called, and every request
 * made after it, fail with this.
 */
public class ClosingException extends GlideException {
    private static final long serialVersionUID = 1L;

    public ClosingException(String message) {
        super(message);
    }
}
