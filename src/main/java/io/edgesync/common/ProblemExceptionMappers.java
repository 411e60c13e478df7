package io.edgesync.common;

import java.util.Optional;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.logging.Log;

/**
 * How the native and admin APIs answer a failure: every failure becomes an {@code application/problem+json} body
 * without stack traces or class names, with the status {@link ErrorTable} gives its kind. The table protocol resource
 * renders the same statuses in the protocol's own shapes.
 */
public class ProblemExceptionMappers {

    private final DatabaseAvailability databases;

    public ProblemExceptionMappers(DatabaseAvailability databases) {
        this.databases = databases;
    }

    @ServerExceptionMapper
    public Response mapDomainException(DomainException e) {
        return responseOf(e);
    }

    /**
     * The answer to an API failure, also for filters that answer before an endpoint runs: the problem, a
     * {@code WWW-Authenticate} challenge with a 401 and {@code Retry-After} where the failure says when to come back.
     */
    public static Response responseOf(DomainException e) {
        int status = ErrorTable.status(e.kind());
        Problem problem = Problem.of(status, e.getMessage());
        Response response = new Problem(e.problemType(), problem.title(), problem.status(), problem.detail())
                .toResponse();
        if (e.kind() == DomainException.Kind.UNAUTHENTICATED) {
            response.getHeaders().add("WWW-Authenticate", "Bearer");
        }
        e.retryAfterSeconds().ifPresent(seconds -> response.getHeaders().add("Retry-After", seconds));
        return response;
    }

    @ServerExceptionMapper
    public Response mapWebApplicationException(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException malformed) {
            // The body reader's wrapper around what the JSON parser refused
            return mapJsonException(malformed);
        }
        int status = e.getResponse().getStatus();
        String detail = status == 404 ? "No such resource" : Response.Status.Family.familyOf(status).name();
        if (status < 500 && e.getMessage() != null && !e.getMessage().startsWith("HTTP ")) {
            detail = e.getMessage();
        }
        return Problem.of(status, detail).toResponse();
    }

    @ServerExceptionMapper
    public Response mapJsonException(JsonProcessingException e) {
        return Problem.of(Response.Status.BAD_REQUEST, "The body is not valid JSON: " + JsonPolicy.describe(e))
                .toResponse();
    }

    /** Quarkus maps this subtype itself, with an empty body: trailing content, a value of the wrong type. */
    @ServerExceptionMapper
    public Response mapMismatchedInput(MismatchedInputException e) {
        return mapJsonException(e);
    }

    @ServerExceptionMapper
    public Response mapUnexpected(Throwable e) {
        Optional<DomainException> known = databases.knownFailure(e);
        if (known.isPresent()) {
            return mapDomainException(known.get());
        }
        Log.errorf(e, "Unexpected failure");
        return Problem.of(Response.Status.INTERNAL_SERVER_ERROR, "Internal error").toResponse();
    }
}
