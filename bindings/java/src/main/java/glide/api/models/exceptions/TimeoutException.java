package glide.api.models.exceptions;

/** The request or batch timeout expired before the reply came. */
public class TimeoutException extends RequestException {
    private static final long serialVersionUID = 1L;

    public TimeoutException(String message) {
        super(message);
    }
}
