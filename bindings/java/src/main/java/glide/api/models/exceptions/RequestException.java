package glide.api.models.exceptions;

/**
 * A request failed: an error reply from the server (its full text, code first: {@code WRONGTYPE
 * ...}), or a failure the library reports for a request (cross-slot keys, protocol error, bad
 * input, in-flight limit...). In a batch result run with {@code raiseOnError == false} it stands in
 * place of the failed command's reply.
 */
public class RequestException extends GlideException {
    private static final long serialVersionUID = 1L;

    public RequestException(String message) {
        super(message);
    }
}
