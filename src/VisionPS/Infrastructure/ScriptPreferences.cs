using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Reflection;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// Makes <c>-Debug</c> show and never ask. For a compiled cmdlet, PowerShell turns a bound <c>-Debug</c> into
    /// Inquire for the verbose and warning streams (and, on Windows PowerShell 5.1, for the debug stream too), so a script run with
    /// <c>pwsh -NonInteractive</c> fails at the first verbose line with "Read and Prompt functionality is not
    /// available". Binary modules such as Az set the command's debug preference to Continue when <c>-Debug</c> is
    /// bound; the command runtime's preferences are internal, so this sets them through reflection, and does nothing
    /// (PowerShell's own behaviour stays) if a future PowerShell renames them.
    /// </summary>
    internal static class ScriptPreferences
    {
        private const BindingFlags Internal = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;

        /// <summary>Called from BeginProcessing: with <c>-Debug</c> bound, debug and verbose lines are written, never asked about.</summary>
        /// <param name="cmdlet">The cmdlet starting.</param>
        /// <param name="warnSaved">False for the command that replaces the saved settings (Set-VisionDefault -Reset
        /// -Save, the fix the warning advises): it does not warn about the file it deletes.</param>
        public static void Apply(PSCmdlet cmdlet, bool warnSaved = true)
        {
            if (warnSaved)
            {
                VisionDefaults.WarnIfSavedUnreadable(cmdlet); // every command's first step: saved settings ignored are said once
            }
            IDictionary<string, object> bound = cmdlet.MyInvocation.BoundParameters;
            if (!IsOn(bound, "Debug") || cmdlet.CommandRuntime is null)
            {
                return;
            }
            object runtime = cmdlet.CommandRuntime;
            Set(runtime, "DebugPreference", ActionPreference.Continue);
            if (!bound.ContainsKey("Verbose"))
            {
                // -Debug shows the verbose lines as well (as PowerShell intends), at Continue rather than Inquire.
                Set(runtime, "Verbose", true);
            }
            // A bound -Debug also turns warnings and errors into Inquire; they follow the caller's preference instead
            // (an unknown model's warning or one image's error must not stop a script at a prompt).
            if (!bound.ContainsKey("WarningAction"))
            {
                Set(runtime, "WarningPreference", CallerPreference(cmdlet, "WarningPreference"));
            }
            if (!bound.ContainsKey("ErrorAction"))
            {
                Set(runtime, "ErrorAction", CallerPreference(cmdlet, "ErrorActionPreference"));
            }
        }

        /// <summary>The command's warning preference: its -WarningAction, else the caller's $WarningPreference.</summary>
        public static ActionPreference Warnings(PSCmdlet cmdlet)
            => cmdlet.MyInvocation.BoundParameters.TryGetValue("WarningAction", out object? bound) && bound is ActionPreference action
                ? action
                : CallerPreference(cmdlet, "WarningPreference");

        /// <summary>The command's error preference: its -ErrorAction, else the caller's $ErrorActionPreference.</summary>
        public static ActionPreference Errors(PSCmdlet cmdlet)
            => cmdlet.MyInvocation.BoundParameters.TryGetValue("ErrorAction", out object? bound) && bound is ActionPreference action
                ? action
                : CallerPreference(cmdlet, "ErrorActionPreference");

        private static ActionPreference CallerPreference(PSCmdlet cmdlet, string variable)
        {
            object? value = cmdlet.SessionState.PSVariable.GetValue(variable);
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            return value switch
            {
                ActionPreference preference => preference,
                string text when Enum.TryParse(text, true, out ActionPreference parsed) => parsed,
                _ => ActionPreference.Continue,
            };
        }

        private static bool IsOn(IDictionary<string, object> bound, string name) =>
            bound.TryGetValue(name, out object? value) && value switch
            {
                SwitchParameter s => s.IsPresent,
                bool b => b,
                _ => false,
            };

        private static void Set(object runtime, string property, object value)
        {
            try
            {
                PropertyInfo? info = runtime.GetType().GetProperty(property, Internal);
                if (info is null || !info.CanWrite)
                {
                    return;
                }
                object converted = info.PropertyType == typeof(SwitchParameter) && value is bool flag
                    ? new SwitchParameter(flag)
                    : value;
                info.SetValue(runtime, converted);
            }
            catch (Exception ex) when (ex is TargetInvocationException || ex is ArgumentException || ex is MemberAccessException)
            {
                // Not this PowerShell's runtime shape: keep PowerShell's own behaviour.
            }
        }
    }
}
