package glide.api.models.exceptions;

/** The server discarded an atomic batch (EXECABORT): nothing of it ran. */
public class ExecAbortException extends RequestException {
    private static final long serialVersionUID = 1L;

    public ExecAbortException(String message) {
        super(message);
    }
}
