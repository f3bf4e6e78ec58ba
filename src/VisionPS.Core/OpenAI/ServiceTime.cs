using System;
using System.Text.Json;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Reads the service's Unix-seconds times and counts leniently: an odd answer (a time past the year 9999 or before
    /// year 1, a fraction, a float too big for a long) gives no value instead of .NET's FormatException or
    /// ArgumentOutOfRangeException, which would lose the rest of a good answer.
    /// </summary>
    internal static class ServiceTime
    {
        private const long MinUnixSeconds = -62135596800;   // 0001-01-01T00:00:00Z
        private const long MaxUnixSeconds = 253402300799;   // 9999-12-31T23:59:59Z

        /// <summary>The time in <paramref name="obj"/>'s property <paramref name="name"/>, or null.</summary>
        public static DateTimeOffset? Read(JsonElement obj, string name)
            => obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long s)
                && s >= MinUnixSeconds && s <= MaxUnixSeconds ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

        /// <summary>The whole number in <paramref name="obj"/>'s property <paramref name="name"/>, or null.</summary>
        public static long? Count(JsonElement obj, string name)
            => obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;
    }
}
