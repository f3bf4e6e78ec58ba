using System;
using System.Management.Automation;
using VisionPS.Core.Caching;

namespace VisionPS.Commands
{
    /// <summary>
    /// Removes cached answers: all of them, or those not used for a while.
    /// </summary>
    /// <remarks>
    /// Clear-VisionCache deletes entries from the answer cache (see Get-VisionCache), so the next request for them is
    /// sent to the model again. With -UnusedFor only entries not used within that time are removed. It supports
    /// -WhatIf and -Confirm, and writes the number of entries removed when -PassThru is given.
    /// </remarks>
    /// <example>
    /// <code>Clear-VisionCache -WhatIf</code>
    /// <para>Shows which cache folder would be emptied, without removing anything.</para>
    /// </example>
    /// <example>
    /// <code>Clear-VisionCache -UnusedFor (New-TimeSpan -Days 30) -PassThru</code>
    /// <para>Removes answers not used for 30 days and writes how many were removed.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Clear, "VisionCache", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(int))]
    public sealed class ClearVisionCacheCommand : PSCmdlet
    {
        /// <summary>Only remove entries not used within this time (at least a second): a TimeSpan such as (New-TimeSpan -Days 30) or '30.00:00:00' (a bare number is ticks).</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: every entry")]
        [Infrastructure.ValidateTimeSpan(1)]
        public TimeSpan UnusedFor { get; set; }

        /// <summary>Writes the number of entries removed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing() => Infrastructure.ScriptPreferences.Apply(this);

        protected override void EndProcessing()
        {
            ResultCache cache = VisionDefaults.Current.OpenCache();
            bool partial = MyInvocation.BoundParameters.ContainsKey(nameof(UnusedFor));
            string action = partial ? $"Remove cached answers not used for {UnusedFor}" : "Remove every cached answer";
            if (!ShouldProcess(cache.Root, action))
            {
                return;
            }
            int removed = cache.Clear(partial ? UnusedFor : (TimeSpan?)null);
            WriteVerbose($"Removed {removed} cached answer(s) from {cache.Root}.");
            if (PassThru)
            {
                WriteObject(removed);
            }
        }
    }
}
