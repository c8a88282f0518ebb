package glide.api.models.exceptions;

/** Every error of the client: the root of the hierarchy, as in Valkey GLIDE's Java client. */
public class GlideException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GlideException(String message) {
        super(message);
    }
}
