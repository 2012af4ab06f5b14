package com.mlconnector.events;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One F&O business event as received: the envelope fields the connector needs and the payload whole (the
 * document's identifiers are read from it when the event is turned into a read).
 */
public record BusinessEvent(String eventId, Long controlNumber, String businessEventId, String legalEntity, String payload) {

    /** From one JSON object of F&O's payload; null fields stay null (the receiver decides what is required). */
    public static BusinessEvent of(JsonNode n) {
        JsonNode cn = n.path("ControlNumber");
        Long control = cn.isNumber() ? Long.valueOf(cn.asLong()) : cn.isTextual() && cn.asText().matches("-?\\d{1,19}")
                ? Long.valueOf(cn.asText()) : null;
        return new BusinessEvent(text(n, "EventId"), control, text(n, "BusinessEventId"), text(n, "BusinessEventLegalEntity"),
                n.toString());
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }
}
