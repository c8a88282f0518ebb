package glide.api.models.exceptions;

/** A configuration the library refused (a port out of range, an empty host, a bad timeout...). */
public class ConfigurationError extends GlideException {
    private static final long serialVersionUID = 1L;

    public ConfigurationError(String message) {
        super(message);
    }
}
