package io.edgesync.common;

import java.util.Optional;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.quarkus.logging.Log;

/**
 * The one exception-to-status table of the native and admin APIs: every failure becomes an
 * {@code application/problem+json} body without stack traces or class names. The table protocol resource maps its own
 * errors into the protocol's shapes.
 */
public class ProblemExceptionMappers {

    @ServerExceptionMapper
    public Response mapApiException(ApiException e) {
        Problem problem = Problem.of(e.status(), e.getMessage());
        Response response = new Problem(e.problemType(), problem.title(), problem.status(), problem.detail())
                .toResponse();
        if (e.status() == 401) {
            response.getHeaders().add("WWW-Authenticate", "Bearer");
        }
        e.retryAfterSeconds().ifPresent(seconds -> response.getHeaders().add("Retry-After", seconds));
        return response;
    }

    @ServerExceptionMapper
    public Response mapWebApplicationException(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String detail = status == 404 ? "No such resource" : Response.Status.Family.familyOf(status).name();
        if (status < 500 && e.getMessage() != null && !e.getMessage().startsWith("HTTP ")) {
            detail = e.getMessage();
        }
        return Problem.of(status, detail).toResponse();
    }

    @ServerExceptionMapper
    public Response mapJsonException(JsonProcessingException e) {
        return Problem.of(Response.Status.BAD_REQUEST, "Malformed JSON body").toResponse();
    }

    @ServerExceptionMapper
    public Response mapUnexpected(Throwable e) {
        Optional<ApiException> database = DatabaseErrors.classify(e);
        if (database.isPresent()) {
            return mapApiException(database.get());
        }
        Log.errorf(e, "Unexpected failure");
        return Problem.of(Response.Status.INTERNAL_SERVER_ERROR, "Internal error").toResponse();
    }
}
