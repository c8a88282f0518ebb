package glide.api.models.configuration;

/** Credentials sent on every connection: a password, and a username (null: the default user). */
public final class ServerCredentials {
    private final String username;
    private final String password;

    private ServerCredentials(String username, String password) {
        this.username = username;
        this.password = password;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String getUsername() {
        return username;
    }

    public String getPassword() {
        return password;
    }

    @Override
    public String toString() {
        return "ServerCredentials(username=" + username + ", password=<hidden>)";
    }

    public static final class Builder {
        private String username;
        private String password;

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public ServerCredentials build() {
            return new ServerCredentials(username, password);
        }
    }
}
