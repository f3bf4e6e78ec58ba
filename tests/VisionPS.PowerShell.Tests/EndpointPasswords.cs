using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Passwords written into an endpoint that no message may show: a plain one, and ones whose part after an odd character
    /// ("Zq7SECRET...") is what must never show: a "'" (legal in userinfo and kept by .NET as typed), a space (as typed or
    /// %20), '"', '&lt;' and '&gt;', an escaped '@'.
    /// </summary>
    public static class EndpointPasswords
    {
        public static TheoryData<string> All => new TheoryData<string>
        {
            "pw-s3cret-visionps", "pa'Zq7SECRET1", "my Zq7SECRET2", "my%20Zq7SECRET2", "pa\"Zq7SECRET", "pa<Zq7SECRET>", "pa%40Zq7SECRET",
        };

        /// <summary>What must never show of <paramref name="password"/>: its part from "Zq7SECRET" (.NET may escape what comes before), or all of it.</summary>
        public static string Secret(string password) => password.Contains("Zq7SECRET", System.StringComparison.Ordinal) ? "Zq7SECRET" : password;
    }
}
