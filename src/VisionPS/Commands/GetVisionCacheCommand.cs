using System.Management.Automation;
using VisionPS.Core.Caching;

namespace VisionPS.Commands
{
    /// <summary>
    /// Shows where the answer cache lives, how many answers it holds and how large it is.
    /// </summary>
    /// <remarks>
    /// VisionPS keeps answers on disk, keyed by everything that decides them (endpoint, model, API, prompt, system
    /// prompt, options and the SHA-256 of each prepared image), so a re-run of a batch never pays twice for the same
    /// answer. Get-VisionCache reports the cache folder, entry count, size, size cap and expiry. The folder is
    /// VISIONPS_CACHE if set, else %LOCALAPPDATA%\VisionPS\Cache on Windows, ~/Library/Caches/VisionPS on macOS and
    /// $XDG_CACHE_HOME/VisionPS (or ~/.cache/VisionPS) on Linux; Set-VisionDefault -CachePath changes it.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionCache</code>
    /// <para>Shows the cache folder, how many answers it holds and its size.</para>
    /// </example>
    /// <example>
    /// <code>if ((Get-VisionCache).Bytes -gt 100MB) { Clear-VisionCache -UnusedFor (New-TimeSpan -Days 7) }</code>
    /// <para>Removes answers not used for a week when the cache grows past 100 MB.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionCache", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(ResultCacheStatistics))]
    public sealed class GetVisionCacheCommand : PSCmdlet
    {
        protected override void BeginProcessing() => Infrastructure.ScriptPreferences.Apply(this);

        protected override void EndProcessing() => WriteObject(VisionDefaults.Current.OpenCache().GetStatistics());
    }
}
