package io.edgesync.device;

import java.util.regex.Pattern;

/** Device ids: installation GUIDs or app-chosen ids, safe in URLs, logs and metrics. */
public final class DeviceIds {

    private static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private DeviceIds() {
    }

    public static boolean isValid(String deviceId) {
        return deviceId != null && DEVICE_ID.matcher(deviceId).matches();
    }
}
