namespace VisionPS.Commands
{
    /// <summary>Where the project lives online; the one place its address is written in the cmdlets.</summary>
    internal static class ProjectLinks
    {
        /// <summary>
        /// Every cmdlet's <c>HelpUri</c>: <c>Get-Help &lt;cmdlet&gt; -Online</c> opens the project's README, which
        /// documents each cmdlet (<c>Get-Help about_VisionPS</c> is the offline overview).
        /// </summary>
        internal const string HelpUri = "https://github.com/visionps/VisionPS#readme";
    }
}
