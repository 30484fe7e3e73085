/* dk_i18n.c: the string table (German, English, Turkish) and date, time and number formatting. */
#include "dk_i18n.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

_Static_assert(DK_LANG_DE == 0 && DK_LANG_EN == 1 && DK_LANG_TR == 2 && DK_LANG_COUNT == 3,
               "the string table lists German, English, Turkish in this order");

/* One row per id: German, English, Turkish. A NULL (or a missing row) falls back to German;
 * tests/test_i18n.c insists that there is none. Keep buttons short: they are set in large type
 * and German compounds are long. */
static const char *const strings[DK_S_COUNT][DK_LANG_COUNT] = {
    [DK_S_HOME] = {"Startseite", "Home", "Ana sayfa"},
    [DK_S_BACK] = {"Zurück", "Back", "Geri"},
    [DK_S_DISTRICTS] = {"Stadtbezirke", "Districts", "İlçeler"},
    [DK_S_CHOOSE_DISTRICT] = {"Stadtbezirk wählen", "Choose a district", "İlçe seçin"},
    [DK_S_YOUR_DISTRICT] = {"Ihr Stadtbezirk", "Your district", "İlçeniz"},
    [DK_S_ALL_DISTRICTS] = {"Alle Stadtbezirke", "All districts", "Tüm ilçeler"},
    [DK_S_CURRENT_PROJECTS] = {"Aktuelle Projekte", "Current projects", "Güncel projeler"},
    [DK_S_PROJECTS_OF_DISTRICT] = {"Projekte im Stadtbezirk", "Projects in this district",
                                   "Bu ilçedeki projeler"},
    [DK_S_WORKING_GROUPS] = {"Arbeitsgruppen", "Working groups", "Çalışma grupları"},
    [DK_S_STEERING_COMMITTEE] = {"Lenkungsgremium", "Steering committee", "Yönlendirme kurulu"},
    [DK_S_DATES] = {"Termine", "Dates", "Takvim"},
    [DK_S_NEXT_DATES] = {"Nächste Termine", "Next dates", "Yaklaşan tarihler"},
    [DK_S_UPCOMING] = {"Demnächst", "Upcoming", "Yakında"},
    [DK_S_GET_INVOLVED] = {"Mitmachen", "Get involved", "Katılın"},
    [DK_S_REGISTER_INTEREST] = {"Interesse bekunden", "Register interest", "İlginizi bildirin"},
    [DK_S_ABOUT] = {"Über das Stadtbezirks\u00adMarketing", "About the programme", "Program hakkında"},
    [DK_S_PRIVACY] = {"Datenschutz\u00adhinweise", "Privacy notice", "Gizlilik bildirimi"},
    [DK_S_LEGAL] = {"Impressum", "Legal notice", "Künye"},
    [DK_S_MORE] = {"Mehr anzeigen", "Show more", "Daha fazla göster"},
    [DK_S_CLOSE] = {"Schließen", "Close", "Kapat"},
    [DK_S_CANCEL] = {"Abbrechen", "Cancel", "İptal"},
    [DK_S_OK] = {"OK", "OK", "Tamam"},
    [DK_S_CONTINUE] = {"Weiter", "Continue", "Devam et"},
    [DK_S_START_OVER] = {"Neu beginnen", "Start over", "Baştan başla"},
    [DK_S_SCROLL_HINT] = {"Wischen Sie für mehr", "Swipe to see more",
                          "Daha fazlası için kaydırın"},
    [DK_S_PAGE_ONLY_GERMAN] = {"Diese Seite gibt es nur auf Deutsch.",
                               "This page is only available in German.",
                               "Bu sayfa yalnızca Almanca olarak mevcuttur."},

    [DK_S_SEARCH] = {"Suchen", "Search", "Ara"},
    [DK_S_SEARCH_HINT] = {"Projekt, Gruppe oder Stadtbezirk", "Project, group or district",
                          "Proje, grup veya ilçe"},
    [DK_S_NO_RESULTS] = {"Keine Treffer. Versuchen Sie ein anderes Wort.",
                         "No results. Try another word.", "Sonuç yok. Başka bir kelime deneyin."},
    [DK_S_RESULTS_COUNT] = {"{n} Treffer", "{n} results", "{n} sonuç"},
    [DK_S_RESULTS_COUNT_ONE] = {"{n} Treffer", "{n} result", "{n} sonuç"},

    [DK_S_TOUCH_TO_START] = {"Zum Starten berühren", "Touch to start", "Başlamak için dokunun"},
    [DK_S_DISCOVER_DISTRICT] = {"Entdecken Sie Ihren Stadtbezirk", "Discover your district",
                                "İlçenizi keşfedin"},
    [DK_S_PAUSE] = {"Anhalten", "Pause", "Duraklat"},
    [DK_S_PLAY] = {"Abspielen", "Play", "Oynat"},
    [DK_S_NEED_MORE_TIME] = {"Brauchen Sie mehr Zeit?", "Need more time?",
                             "Daha fazla zamana mı ihtiyacınız var?"},
    [DK_S_NEED_MORE_TIME_BODY] =
        {"In {n} Sekunden beginnt der Bildschirm von vorn. Ihre Eingaben werden dann gelöscht.",
         "In {n} seconds the screen starts over and your entries are deleted.",
         "{n} saniye sonra ekran baştan başlayacak ve girdiğiniz bilgiler silinecek."},
    [DK_S_NEED_MORE_TIME_BODY_ONE] =
        {"In {n} Sekunde beginnt der Bildschirm von vorn. Ihre Eingaben werden dann gelöscht.",
         "In {n} second the screen starts over and your entries are deleted.",
         "{n} saniye sonra ekran baştan başlayacak ve girdiğiniz bilgiler silinecek."},

    [DK_S_ACCESSIBILITY] = {"Barriere\u00adfreiheit", "Accessi\u00adbility", "Erişile\u00adbilirlik"},
    [DK_S_LARGER_TEXT] = {"Schrift vergrößern", "Larger text", "Yazıyı büyüt"},
    [DK_S_HIGH_CONTRAST] = {"Hoher Kontrast", "High contrast", "Yüksek kontrast"},
    [DK_S_READ_ALOUD] = {"Vorlesen", "Read aloud", "Sesli oku"},
    [DK_S_STOP_READING] = {"Vorlesen beenden", "Stop reading", "Okumayı durdur"},
    [DK_S_SPEECH_BUTTON] = {"Schaltfläche", "button", "düğme"},
    [DK_S_SPEECH_BUTTON_OFF] = {"Schaltfläche, gerade nicht verfügbar", "button, not available now",
                                "düğme, şu anda kullanılamaz"},
    [DK_S_SPEECH_SWITCH] = {"Schalter", "switch", "anahtar"},
    [DK_S_SPEECH_IMAGE] = {"Bild", "Picture", "Resim"},
    [DK_S_LOW_REACH] = {"Bedienung weiter unten", "Controls lower down", "Kontroller daha aşağıda"},
    [DK_S_LOW_REACH_HINT] = {"Alle Schaltflächen rücken in den unteren Teil des Bildschirms.",
                             "All buttons move to the lower part of the screen.",
                             "Tüm düğmeler ekranın alt kısmına taşınır."},
    [DK_S_ON] = {"Ein", "On", "Açık"},
    [DK_S_OFF] = {"Aus", "Off", "Kapalı"},
    [DK_S_LANGUAGE] = {"Sprache", "Language", "Dil"},
    [DK_S_CHOOSE_LANGUAGE] = {"Sprache wählen", "Choose a language", "Dil seçin"},

    [DK_S_EXAMPLE] = {"Beispiel", "Example", "Örnek"},
    [DK_S_STATUS_PLANNED] = {"Geplant", "Planned", "Planlanıyor"},
    [DK_S_STATUS_RUNNING] = {"Läuft", "Running", "Devam ediyor"},
    [DK_S_STATUS_COMPLETED] = {"Abgeschlossen", "Completed", "Tamamlandı"},
    [DK_S_FILTER_STATUS] = {"Stand", "Status", "Durum"},
    [DK_S_ALL] = {"Alle", "All", "Tümü"},
    [DK_S_GROUP_KIND_STEERING] = {"Lenkungsgremium", "Steering committee", "Yönlendirme kurulu"},
    [DK_S_GROUP_KIND_MARKETING] = {"Marketinggruppe", "Marketing group", "Pazarlama grubu"},
    [DK_S_GROUP_KIND_PROJECT] = {"Projektgruppe", "Project group", "Proje grubu"},
    [DK_S_GROUP_KIND_WORKING] = {"Arbeitsgruppe", "Working group", "Çalışma grubu"},
    [DK_S_OPEN_FOR_MEMBERS] = {"Offen für neue Mitglieder", "Open to new members",
                               "Yeni üyelere açık"},
    [DK_S_NOT_OPEN] = {"Zurzeit keine neuen Mitglieder", "Not taking new members at the moment",
                       "Şu anda yeni üye alınmıyor"},
    [DK_S_HOW_TO_JOIN] = {"So machen Sie mit", "How to join", "Nasıl katılabilirsiniz"},
    [DK_S_MEETS] = {"Treffen", "Meetings", "Toplantılar"},
    [DK_S_PLACE] = {"Ort", "Place", "Yer"},
    [DK_S_CONTACT] = {"Kontakt", "Contact", "İletişim"},
    [DK_S_LINKED_GROUPS] = {"Beteiligte Gruppen", "Groups involved", "Katılan gruplar"},
    [DK_S_START] = {"Beginn", "Start", "Başlangıç"},
    [DK_S_END] = {"Ende", "End", "Bitiş"},
    [DK_S_SINCE] = {"seit {n}", "since {n}", "{n} tarihinden beri"},
    [DK_S_UNTIL] = {"bis {n}", "until {n}", "{n} tarihine kadar"},
    [DK_S_NO_DATES] = {"Zurzeit sind keine Termine geplant.", "No dates are planned at the moment.",
                       "Şu anda planlanmış bir tarih yok."},
    [DK_S_DATE_PAST] = {"Dieser Termin hat bereits stattgefunden.",
                        "This date has already taken place.", "Bu etkinlik geçmişte kaldı."},
    [DK_S_NO_PROJECTS] = {"Zurzeit gibt es hier keine Projekte.",
                          "There are no projects here at the moment.", "Şu anda burada proje yok."},
    [DK_S_NO_GROUPS] = {"Zurzeit gibt es hier keine Gruppen.",
                        "There are no groups here at the moment.", "Şu anda burada grup yok."},
    [DK_S_DISTRICT_FACTS] = {"Zahlen und Fakten", "Facts and figures", "Rakamlar ve bilgiler"},
    [DK_S_AREA] = {"Fläche", "Area", "Yüzölçümü"},
    [DK_S_KM2] = {"km²", "km²", "km²"},
    [DK_S_RESIDENTS] = {"Einwohner", "Residents", "Nüfus"},
    [DK_S_RESIDENTS_YEAR] = {"Einwohner ({n})", "Residents ({n})", "Nüfus ({n})"},
    [DK_S_YEAR_UNKNOWN] = {"Jahr unbekannt", "year unknown", "yıl bilinmiyor"},
    [DK_S_OFFICE] = {"Geschäftsstelle", "Office", "Büro"},
    [DK_S_OPENING_HOURS] = {"Öffnungszeiten", "Opening hours", "Çalışma saatleri"},
    [DK_S_PICTURES] = {"Bilder", "Pictures", "Fotoğraflar"},
    [DK_S_CLOCK_TIME] = {"{n} Uhr", "{n}", "{n}"},

    [DK_S_YOUR_NAME] = {"Ihr Name", "Your name", "Adınız ve soyadınız"},
    [DK_S_EMAIL] = {"E-Mail", "Email", "E-posta"},
    [DK_S_PHONE] = {"Telefon", "Phone", "Telefon"},
    [DK_S_CONTACT_BY] = {"Wie dürfen wir Sie erreichen?", "How may we contact you?",
                         "Size nasıl ulaşabiliriz?"},
    [DK_S_CHOOSE_GROUP] = {"Gruppe wählen", "Choose a group", "Grup seçin"},
    [DK_S_MESSAGE] = {"Nachricht (freiwillig)", "Message (optional)", "Mesaj (isteğe bağlı)"},
    [DK_S_MESSAGE_HINT] =
        {"Bitte schreiben Sie nichts über Gesundheit, Religion oder politische Ansichten.",
         "Please do not write about health, religion or political views.",
         "Lütfen sağlık, din veya siyasi görüşler hakkında bilgi yazmayın."},
    [DK_S_AGE_16] = {"Ich bin mindestens 16 Jahre alt.", "I am at least 16 years old.",
                     "En az 16 yaşındayım."},
    [DK_S_SEND] = {"Absenden", "Send", "Gönder"},
    [DK_S_SIGNUP_STORAGE] =
        {"Ihre Angaben werden verschlüsselt gespeichert und an das Bezirksmarketing übermittelt.",
         "Your details are stored encrypted and passed on to the district marketing team.",
         "Bilgileriniz şifrelenerek saklanır ve ilçe pazarlama ekibine iletilir."},
    [DK_S_THANK_YOU] = {"Vielen Dank!", "Thank you!", "Teşekkür ederiz!"},
    [DK_S_THANK_YOU_BODY] = {"Die Gruppe meldet sich bei Ihnen.",
                             "The group will get in touch with you.",
                             "Grup sizinle iletişime geçecek."},
    [DK_S_FIELD_REQUIRED] = {"Bitte füllen Sie dieses Feld aus.", "Please fill in this field.",
                             "Lütfen bu alanı doldurun."},
    [DK_S_INVALID_EMAIL] = {"Bitte prüfen Sie die E-Mail-Adresse, zum Beispiel name@beispiel.de.",
                            "Please check the email address, for example name@example.com.",
                            "Lütfen e-posta adresini kontrol edin, örneğin ad@ornek.com."},
    [DK_S_INVALID_PHONE] = {"Bitte geben Sie eine Telefonnummer aus Ziffern ein.",
                            "Please enter a phone number made of digits.",
                            "Lütfen rakamlardan oluşan bir telefon numarası girin."},
    [DK_S_CONFIRM_AGE] = {"Bitte bestätigen Sie, dass Sie mindestens 16 Jahre alt sind.",
                          "Please confirm that you are at least 16 years old.",
                          "Lütfen en az 16 yaşında olduğunuzu onaylayın."},
    [DK_S_CONSENT_REQUIRED] = {"Bitte willigen Sie ein, damit wir Ihre Angaben weitergeben dürfen.",
                               "Please give your consent so that we may pass on your details.",
                               "Bilgilerinizi iletebilmemiz için lütfen onay verin."},
    [DK_S_SIGNUP_INVITE] = {"Oder hinterlassen Sie gleich hier am Kiosk Ihre Kontaktdaten:",
                            "Or leave your contact details right here at the kiosk:",
                            "Ya da iletişim bilgilerinizi hemen burada, kioskta bırakın:"},
    [DK_S_SIGNUP_INTRO] = {"Hinterlassen Sie Ihre Kontaktdaten. Die gewählte Gruppe meldet sich bei "
                    "Ihnen.",
                    "Leave your contact details. The group you choose will get in touch with you.",
                    "İletişim bilgilerinizi bırakın. Seçtiğiniz grup sizinle iletişime geçer."},
    [DK_S_SIGNUP_GROUPS] = {"Gruppen", "Groups", "Gruplar"},
    [DK_S_SIGNUP_GROUPS_HINT] = {"Tippen Sie eine Gruppe an, um sie aus- oder abzuwählen.",
                          "Tap a group to choose it or to remove it.",
                          "Seçmek veya kaldırmak için bir gruba dokunun."},
    [DK_S_SIGNUP_NO_OPEN_GROUPS] = {"In diesem Stadtbezirk nimmt gerade keine Gruppe neue Mitglieder "
                             "auf.",
                             "No group in this district is taking new members right now.",
                             "Bu ilçede şu anda yeni üye alan bir grup yok."},
    [DK_S_YES] = {"Ja", "Yes", "Evet"},
    [DK_S_NO] = {"Nein", "No", "Hayır"},
    [DK_S_CONTACT_HINT] = {"Eine E-Mail-Adresse oder eine Telefonnummer genügt.",
                           "An email address or a phone number is enough.",
                           "Bir e-posta adresi veya bir telefon numarası yeterlidir."},
    [DK_S_TAP_TO_TYPE] = {"Zum Schreiben hier tippen", "Tap here to type",
                          "Yazmak için buraya dokunun"},
    [DK_S_CONSENT_BOX] = {"Ich willige ein, dass die gewählte Gruppe mich zu diesem Zweck "
                          "kontaktiert.",
                          "I agree that the group I choose may contact me for this purpose.",
                          "Seçtiğim grubun bu amaçla benimle iletişime geçmesini kabul ediyorum."},
    [DK_S_FULL_PRIVACY] = {"Vollständige Datenschutz\u00adhinweise", "Full privacy notice",
                           "Tam gizlilik bildirimi"},
    [DK_S_CHECK_FIELDS] = {"Bitte prüfen Sie die markierten Angaben.",
                           "Please check the marked details.",
                           "Lütfen işaretli bilgileri kontrol edin."},
    [DK_S_SAVE_FAILED] = {"Ihre Angaben konnten nicht gespeichert werden. Bitte wenden Sie sich "
                          "an das Personal. Ihre Eingaben bleiben erhalten.",
                          "Your details could not be saved. Please ask a member of staff. What "
                          "you entered is kept.",
                          "Bilgileriniz kaydedilemedi. Lütfen bir görevliye başvurun. "
                          "Girdikleriniz korunuyor."},
    [DK_S_CONFIRM_INTRO] = {"Ihre Angaben sind verschlüsselt gespeichert. Zum Schutz Ihrer Daten "
                            "zeigen wir sie hier nur gekürzt:",
                            "Your details are stored encrypted. To protect them, we show them "
                            "here only in part:",
                            "Bilgileriniz şifreli olarak kaydedildi. Verilerinizi korumak için "
                            "burada yalnızca kısaltılmış olarak gösteriyoruz:"},
    [DK_S_SIGNUP_DONE] = {"Fertig", "Done", "Tamam"},
    [DK_S_NAME_SHORT] = {"Name", "Name", "Ad"},

    [DK_S_ERROR_GENERIC] = {"Das hat leider nicht geklappt. Bitte versuchen Sie es noch einmal.",
                            "Sorry, that did not work. Please try again.",
                            "Üzgünüz, bu işlem olmadı. Lütfen tekrar deneyin."},
    [DK_S_CONTENT_MISSING] = {"Dieser Inhalt ist gerade nicht verfügbar.",
                              "This content is not available right now.",
                              "Bu içerik şu anda kullanılamıyor."},

    [DK_S_KEY_SPACE] = {"Leerzeichen", "Space", "Boşluk"},
    [DK_S_KEY_DELETE] = {"Löschen", "Delete", "Sil"},
    [DK_S_KEY_SHIFT] = {"Umschalt", "Shift", "Büyük harf"},
    [DK_S_KEY_DONE] = {"Fertig", "Done", "Tamam"},
    [DK_S_KEY_SYMBOLS] = {"?123", "?123", "?123"},
    [DK_S_KEY_LETTERS] = {"ABC", "ABC", "ABC"},
    [DK_S_KEY_CAPS_LOCK] = {"Feststellen", "Caps lock", "Sabit büyük"},
    [DK_S_KEY_LEFT] = {"Cursor nach links", "Cursor left", "İmleç sola"},
    [DK_S_KEY_RIGHT] = {"Cursor nach rechts", "Cursor right", "İmleç sağa"},

    [DK_S_STAFF] = {"Mitarbeitende", "Staff", "Personel"},
    [DK_S_STAFF_PIN] = {"PIN eingeben", "Enter PIN", "PIN girin"},
    [DK_S_WRONG_PIN] = {"Falsche PIN. Bitte versuchen Sie es noch einmal.",
                        "Wrong PIN. Please try again.", "Yanlış PIN. Lütfen tekrar deneyin."},
    [DK_S_CONTENT_VERSION] = {"Inhaltsversion", "Content version", "İçerik sürümü"},
    [DK_S_DEVICE] = {"Gerät", "Device", "Cihaz"},
    [DK_S_UPTIME] = {"Laufzeit", "Uptime", "Çalışma süresi"},
    [DK_S_MEMORY] = {"Speicher", "Memory", "Bellek"},
    [DK_S_LAST_SYNC] = {"Letzter Abgleich", "Last sync", "Son eşitleme"},
    [DK_S_RECENT_LOG] = {"Letzte Meldungen", "Recent log", "Son kayıtlar"},
    [DK_S_QUIT_MAINTENANCE] = {"Kiosk für Wartung beenden", "Quit for maintenance", "Bakım için kapat"},
    [DK_S_SYNC] = {"Abgleich mit der Zentrale", "Sync with the hub", "Merkezle eşitleme"},
    [DK_S_CONTENT_STATE] = {"Stand der Inhalte", "Content status", "İçerik durumu"},
    [DK_S_CONTENT_CURRENT] = {"Aktuell", "Up to date", "Güncel"},
    [DK_S_CONTENT_STALE] =
        {"Veraltet: Die Inhalte wurden zu lange nicht abgeglichen. Bitte prüfen Sie die "
         "Netzverbindung und den Fehler unten.",
         "Out of date: the content has not been synced for too long. Please check the network "
         "connection and the error below.",
         "Güncel değil: İçerik uzun süredir eşitlenmedi. Lütfen ağ bağlantısını ve aşağıdaki "
         "hatayı kontrol edin."},
    [DK_S_LAST_ATTEMPT] = {"Letzter Versuch", "Last attempt", "Son deneme"},
    [DK_S_LAST_SUCCESS] = {"Letzter erfolgreicher Abgleich", "Last successful sync",
                           "Son başarılı eşitleme"},
    [DK_S_NEXT_ATTEMPT] = {"Nächster Versuch", "Next attempt", "Sonraki deneme"},
    [DK_S_LAST_ERROR] = {"Letzter Fehler", "Last error", "Son hata"},
    [DK_S_NO_ERROR] = {"Keiner", "None", "Yok"},
    [DK_S_REGISTRATIONS_WAITING] = {"Anmeldungen, die auf die Übertragung warten",
                                    "Registrations waiting to be sent",
                                    "Gönderilmeyi bekleyen kayıtlar"},
    [DK_S_NEVER] = {"Noch nie", "Never", "Henüz hiç"},
    [DK_S_NOT_SCHEDULED] = {"Nicht geplant", "Not scheduled", "Planlanmadı"},
    [DK_S_SYNC_NOW] = {"Jetzt abgleichen", "Sync now", "Şimdi eşitle"},
    [DK_S_SYNC_RUNNING] = {"Abgleich läuft …", "Sync running…", "Eşitleme sürüyor…"},
    [DK_S_SYNC_NOT_CONFIGURED] = {"Abgleich nicht eingerichtet", "Sync not configured",
                                  "Eşitleme ayarlanmamış"},
    [DK_S_REGISTRATIONS] = {"Anmeldungen", "Registrations", "Kayıtlar"},
    [DK_S_REGISTRATIONS_REFUSED] = {"Von der Zentrale abgelehnte Anmeldungen",
                                    "Registrations refused by the hub",
                                    "Merkezin reddettiği kayıtlar"},
    [DK_S_REFUSED_MALFORMED] = {"{n} von der Zentrale als fehlerhaft abgelehnt (HTTP 400)",
                                "{n} refused by the hub as malformed (HTTP 400)",
                                "{n} kayıt merkez tarafından hatalı olduğu için reddedildi "
                                "(HTTP 400)"},
    [DK_S_REFUSED_KEY_REUSED] = {"{n} von der Zentrale abgelehnt: Schlüssel schon für eine andere "
                                 "Anmeldung benutzt (HTTP 409)",
                                 "{n} refused by the hub: key already used for another "
                                 "registration (HTTP 409)",
                                 "{n} kayıt merkez tarafından reddedildi: anahtar başka bir kayıt "
                                 "için kullanılmış (HTTP 409)"},
    [DK_S_REFUSED_TOO_LARGE] = {"{n} von der Zentrale als zu groß abgelehnt (HTTP 413)",
                                "{n} refused by the hub as too large (HTTP 413)",
                                "{n} kayıt merkez tarafından çok büyük olduğu için reddedildi "
                                "(HTTP 413)"},
    [DK_S_REFUSED_BY_HUB_OTHER] = {"{n} von der Zentrale aus einem anderen Grund abgelehnt",
                                   "{n} refused by the hub for another reason",
                                   "{n} kayıt merkez tarafından başka bir nedenle reddedildi"},
    [DK_S_REFUSED_DAMAGED] = {"{n} auf diesem Kiosk beschädigt und beiseitegelegt",
                              "{n} damaged on this kiosk and set aside",
                              "{n} kayıt bu kioskta hasar gördü ve ayrıldı"},
    [DK_S_REFUSED_OTHER] = {"{n} aus einem anderen Grund beiseitegelegt",
                            "{n} set aside for another reason",
                            "{n} kayıt başka bir nedenle ayrıldı"},
    [DK_S_REFUSED_NEWEST] = {"zuletzt {n}", "latest {n}", "en son {n}"},
    [DK_S_REFUSED_HINT] =
        {"Abgelehnte Anmeldungen bleiben verschlüsselt auf diesem Kiosk; hier kann sie niemand "
         "lesen. Senden Sie sie erneut, wenn die Zentrale den Fehler behoben hat, oder löschen "
         "Sie sie.",
         "Refused registrations stay encrypted on this kiosk; nobody can read them here. Send "
         "them again once the hub has been fixed, or delete them.",
         "Reddedilen kayıtlar bu kioskta şifreli kalır; burada kimse onları okuyamaz. Merkezdeki "
         "sorun giderildiğinde onları yeniden gönderin ya da silin."},
    [DK_S_REFUSED_SEND_AGAIN] = {"Abgelehnte erneut senden", "Send refused again",
                                 "Reddedilenleri yeniden gönder"},
    [DK_S_REFUSED_DELETE] = {"Abgelehnte Anmeldungen löschen", "Delete refused registrations",
                             "Reddedilen kayıtları sil"},
    [DK_S_REFUSED_DELETE_CONFIRM] =
        {"{n} abgelehnte Anmeldungen endgültig löschen? Sie lassen sich nicht wiederherstellen: "
         "Niemand, auch nicht die Zentrale, erhält sie dann noch.",
         "Delete {n} refused registrations for good? They cannot be recovered: nobody, not even "
         "the hub, will ever receive them.",
         "{n} reddedilen kayıt kalıcı olarak silinsin mi? Geri getirilemezler: merkez dahil hiç "
         "kimse onları artık alamaz."},
    [DK_S_REFUSED_DELETE_CONFIRM_ONE] =
        {"{n} abgelehnte Anmeldung endgültig löschen? Sie lässt sich nicht wiederherstellen: "
         "Niemand, auch nicht die Zentrale, erhält sie dann noch.",
         "Delete {n} refused registration for good? It cannot be recovered: nobody, not even "
         "the hub, will ever receive it.",
         "{n} reddedilen kayıt kalıcı olarak silinsin mi? Geri getirilemez: merkez dahil hiç "
         "kimse onu artık alamaz."},
    [DK_S_DELETE_FOR_GOOD] = {"Endgültig löschen", "Delete for good", "Kalıcı olarak sil"},
    [DK_S_REFUSED_RELEASED] = {"{n} abgelehnte Anmeldungen werden erneut gesendet.",
                               "{n} refused registrations will be sent again.",
                               "{n} reddedilen kayıt yeniden gönderilecek."},
    [DK_S_REFUSED_RELEASED_ONE] = {"{n} abgelehnte Anmeldung wird erneut gesendet.",
                                   "{n} refused registration will be sent again.",
                                   "{n} reddedilen kayıt yeniden gönderilecek."},
    [DK_S_REFUSED_DELETED] = {"{n} abgelehnte Anmeldungen wurden gelöscht.",
                              "{n} refused registrations were deleted.",
                              "{n} reddedilen kayıt silindi."},
    [DK_S_REFUSED_DELETED_ONE] = {"{n} abgelehnte Anmeldung wurde gelöscht.",
                                  "{n} refused registration was deleted.",
                                  "{n} reddedilen kayıt silindi."},
    [DK_S_REFUSED_CHANGED] =
        {"Inzwischen wurden weitere Anmeldungen abgelehnt. Es wurde nichts gelöscht; bitte prüfen "
         "Sie die Zahlen und versuchen Sie es noch einmal.",
         "More registrations were refused in the meantime. Nothing was deleted; please check the "
         "numbers and try again.",
         "Bu arada başka kayıtlar da reddedildi. Hiçbir şey silinmedi; lütfen sayıları kontrol "
         "edip tekrar deneyin."},
    [DK_S_REFUSED_FAILED] = {"Das hat nicht geklappt; es wurde nichts geändert. Einzelheiten "
                             "stehen unten in den letzten Meldungen.",
                             "That did not work; nothing was changed. The details are in the "
                             "recent log below.",
                             "Bu işlem olmadı; hiçbir şey değiştirilmedi. Ayrıntılar aşağıdaki "
                             "son kayıtlarda."},

    [DK_S_TIME_NOW] = {"jetzt", "now", "şimdi"},
    [DK_S_TIME_JUST_NOW] = {"gerade eben", "just now", "az önce"},
    [DK_S_TIME_UNDER_A_MINUTE] = {"in weniger als einer Minute", "in under a minute",
                                  "bir dakikadan kısa sürede"},
    [DK_S_IN_MINUTES] = {"in {n} Min.", "in {n} min", "{n} dk sonra"},
    [DK_S_MINUTES_AGO] = {"vor {n} Min.", "{n} min ago", "{n} dk önce"},
    [DK_S_IN_HOURS] = {"in {n} Std.", "in {n} h", "{n} sa sonra"},
    [DK_S_HOURS_AGO] = {"vor {n} Std.", "{n} h ago", "{n} sa önce"},
    [DK_S_IN_DAYS] = {"in {n} Tagen", "in {n} days", "{n} gün sonra"},
    [DK_S_IN_DAYS_ONE] = {"in {n} Tag", "in {n} day", "{n} gün sonra"},
    [DK_S_DAYS_AGO] = {"vor {n} Tagen", "{n} days ago", "{n} gün önce"},
    [DK_S_DAYS_AGO_ONE] = {"vor {n} Tag", "{n} day ago", "{n} gün önce"},

    [DK_S_WEEKDAY_MONDAY] = {"Montag", "Monday", "Pazartesi"},
    [DK_S_WEEKDAY_TUESDAY] = {"Dienstag", "Tuesday", "Salı"},
    [DK_S_WEEKDAY_WEDNESDAY] = {"Mittwoch", "Wednesday", "Çarşamba"},
    [DK_S_WEEKDAY_THURSDAY] = {"Donnerstag", "Thursday", "Perşembe"},
    [DK_S_WEEKDAY_FRIDAY] = {"Freitag", "Friday", "Cuma"},
    [DK_S_WEEKDAY_SATURDAY] = {"Samstag", "Saturday", "Cumartesi"},
    [DK_S_WEEKDAY_SUNDAY] = {"Sonntag", "Sunday", "Pazar"},
    [DK_S_WEEKDAY_SHORT_MONDAY] = {"Mo.", "Mon", "Pzt"},
    [DK_S_WEEKDAY_SHORT_TUESDAY] = {"Di.", "Tue", "Sal"},
    [DK_S_WEEKDAY_SHORT_WEDNESDAY] = {"Mi.", "Wed", "Çar"},
    [DK_S_WEEKDAY_SHORT_THURSDAY] = {"Do.", "Thu", "Per"},
    [DK_S_WEEKDAY_SHORT_FRIDAY] = {"Fr.", "Fri", "Cum"},
    [DK_S_WEEKDAY_SHORT_SATURDAY] = {"Sa.", "Sat", "Cmt"},
    [DK_S_WEEKDAY_SHORT_SUNDAY] = {"So.", "Sun", "Paz"},
    [DK_S_MONTH_JANUARY] = {"Januar", "January", "Ocak"},
    [DK_S_MONTH_FEBRUARY] = {"Februar", "February", "Şubat"},
    [DK_S_MONTH_MARCH] = {"März", "March", "Mart"},
    [DK_S_MONTH_APRIL] = {"April", "April", "Nisan"},
    [DK_S_MONTH_MAY] = {"Mai", "May", "Mayıs"},
    [DK_S_MONTH_JUNE] = {"Juni", "June", "Haziran"},
    [DK_S_MONTH_JULY] = {"Juli", "July", "Temmuz"},
    [DK_S_MONTH_AUGUST] = {"August", "August", "Ağustos"},
    [DK_S_MONTH_SEPTEMBER] = {"September", "September", "Eylül"},
    [DK_S_MONTH_OCTOBER] = {"Oktober", "October", "Ekim"},
    [DK_S_MONTH_NOVEMBER] = {"November", "November", "Kasım"},
    [DK_S_MONTH_DECEMBER] = {"Dezember", "December", "Aralık"},
};

/* Texts that take a count, with their form for exactly one. */
static const struct {
    dk_string_id other, one;
} plurals[] = {
    {DK_S_RESULTS_COUNT, DK_S_RESULTS_COUNT_ONE},
    {DK_S_NEED_MORE_TIME_BODY, DK_S_NEED_MORE_TIME_BODY_ONE},
    {DK_S_IN_DAYS, DK_S_IN_DAYS_ONE},
    {DK_S_DAYS_AGO, DK_S_DAYS_AGO_ONE},
    {DK_S_REFUSED_DELETE_CONFIRM, DK_S_REFUSED_DELETE_CONFIRM_ONE},
    {DK_S_REFUSED_RELEASED, DK_S_REFUSED_RELEASED_ONE},
    {DK_S_REFUSED_DELETED, DK_S_REFUSED_DELETED_ONE},
};

#define PLACEHOLDER "{n}"

static dk_lang known_lang(dk_lang lang)
{
    return (unsigned)lang < DK_LANG_COUNT ? lang : DK_LANG_DE;
}

static const char *const signup_problems[DK_SIGNUP_CODE_COUNT][DK_LANG_COUNT] = {
    [DK_SIGNUP_TEXT_NOT_UTF8] = {"Dieser Text enthält ungültige Zeichen. Bitte löschen Sie ihn "
                                 "und geben Sie ihn neu ein.",
                                 "This text contains invalid characters. Please delete it and "
                                 "type it again.",
                                 "Bu metin geçersiz karakterler içeriyor. Lütfen silip yeniden "
                                 "yazın."},
    [DK_SIGNUP_TEXT_CONTROL] = {"Dieser Text enthält ein unzulässiges Steuerzeichen. Bitte "
                                "löschen Sie ihn und geben Sie ihn neu ein.",
                                "This text contains a control character that is not allowed. "
                                "Please delete it and type it again.",
                                "Bu metin izin verilmeyen bir kontrol karakteri içeriyor. Lütfen "
                                "silip yeniden yazın."},
    [DK_SIGNUP_NAME_EMPTY] = {"Bitte geben Sie Ihren Namen ein.", "Please enter your name.",
                              "Lütfen adınızı girin."},
    [DK_SIGNUP_NAME_TOO_LONG] = {"Der Name ist zu lang. Höchstens 100 Zeichen sind möglich.",
                                 "The name is too long. At most 100 characters are possible.",
                                 "Ad çok uzun. En fazla 100 karakter girilebilir."},
    [DK_SIGNUP_EMAIL_TOO_LONG] = {"Die E-Mail-Adresse ist zu lang. Bitte prüfen Sie sie.",
                                  "The email address is too long. Please check it.",
                                  "E-posta adresi çok uzun. Lütfen kontrol edin."},
    [DK_SIGNUP_EMAIL_SPACE] = {"Eine E-Mail-Adresse enthält keine Leerzeichen. Bitte entfernen "
                               "Sie sie.",
                               "An email address has no spaces. Please remove them.",
                               "E-posta adresinde boşluk olmaz. Lütfen boşlukları silin."},
    [DK_SIGNUP_EMAIL_NO_AT] = {"Es fehlt das @, zum Beispiel name@beispiel.de.",
                               "The @ is missing, for example name@example.com.",
                               "@ işareti eksik, örneğin ad@ornek.com."},
    [DK_SIGNUP_EMAIL_NO_DOMAIN_DOT] = {"Nach dem @ fehlt die Adresse des Anbieters, zum Beispiel "
                                       "@beispiel.de.",
                                       "The provider's address after the @ is missing, for "
                                       "example @example.com.",
                                       "@ işaretinden sonra sağlayıcının adresi eksik, örneğin "
                                       "@ornek.com."},
    [DK_SIGNUP_EMAIL_INVALID] = {"Bitte prüfen Sie die E-Mail-Adresse, zum Beispiel "
                                 "name@beispiel.de.",
                                 "Please check the email address, for example name@example.com.",
                                 "Lütfen e-posta adresini kontrol edin, örneğin ad@ornek.com."},
    [DK_SIGNUP_PHONE_INVALID] = {"Bitte nur Ziffern, Leerzeichen und + / - ( ) eingeben; das + "
                                 "nur am Anfang.",
                                 "Please use only digits, spaces and + / - ( ); the + only at "
                                 "the start.",
                                 "Lütfen yalnızca rakam, boşluk ve + / - ( ) kullanın; + "
                                 "yalnızca başta olabilir."},
    [DK_SIGNUP_PHONE_TOO_SHORT] = {"Die Telefonnummer ist zu kurz. Sie braucht mindestens 6 "
                                   "Ziffern.",
                                   "The phone number is too short. It needs at least 6 digits.",
                                   "Telefon numarası çok kısa. En az 6 rakam gerekir."},
    [DK_SIGNUP_PHONE_TOO_LONG] = {"Die Telefonnummer ist zu lang. Höchstens 20 Ziffern sind "
                                  "möglich.",
                                  "The phone number is too long. At most 20 digits are "
                                  "possible.",
                                  "Telefon numarası çok uzun. En fazla 20 rakam girilebilir."},
    [DK_SIGNUP_CONTACT_MISSING] = {"Bitte geben Sie eine E-Mail-Adresse oder eine Telefonnummer "
                                   "an.",
                                   "Please enter an email address or a phone number.",
                                   "Lütfen bir e-posta adresi veya telefon numarası girin."},
    [DK_SIGNUP_GROUP_MISSING] = {"Bitte wählen Sie mindestens eine Gruppe.",
                                 "Please choose at least one group.",
                                 "Lütfen en az bir grup seçin."},
    [DK_SIGNUP_GROUP_TOO_MANY] = {"Bitte wählen Sie höchstens 8 Gruppen.",
                                  "Please choose at most 8 groups.",
                                  "Lütfen en fazla 8 grup seçin."},
    [DK_SIGNUP_GROUP_INVALID] = {"Eine gewählte Gruppe gibt es nicht. Bitte wählen Sie die "
                                 "Gruppen neu.",
                                 "A chosen group does not exist. Please choose the groups again.",
                                 "Seçilen bir grup mevcut değil. Lütfen grupları yeniden seçin."},
    [DK_SIGNUP_GROUP_DUPLICATE] = {"Eine Gruppe ist doppelt gewählt. Bitte wählen Sie die "
                                   "Gruppen neu.",
                                   "A group is chosen twice. Please choose the groups again.",
                                   "Bir grup iki kez seçilmiş. Lütfen grupları yeniden seçin."},
    [DK_SIGNUP_DISTRICT_MISSING] = {"Es ist kein Stadtbezirk gewählt. Bitte wählen Sie einen "
                                    "Stadtbezirk.",
                                    "No district is chosen. Please choose a district.",
                                    "Bir ilçe seçilmedi. Lütfen bir ilçe seçin."},
    [DK_SIGNUP_DISTRICT_INVALID] = {"Diesen Stadtbezirk gibt es nicht. Bitte beginnen Sie auf "
                                    "der Startseite neu.",
                                    "This district does not exist. Please start again from the "
                                    "home screen.",
                                    "Bu ilçe mevcut değil. Lütfen ana sayfadan yeniden başlayın."},
    [DK_SIGNUP_MESSAGE_TOO_LONG] = {"Die Nachricht ist zu lang. Höchstens 500 Zeichen sind "
                                    "möglich.",
                                    "The message is too long. At most 500 characters are "
                                    "possible.",
                                    "Mesaj çok uzun. En fazla 500 karakter girilebilir."},
    [DK_SIGNUP_AGE_NOT_CONFIRMED] = {"Bitte bestätigen Sie, dass Sie mindestens 16 Jahre alt "
                                     "sind.",
                                     "Please confirm that you are at least 16 years old.",
                                     "Lütfen en az 16 yaşında olduğunuzu onaylayın."},
    [DK_SIGNUP_CONSENT_MISSING] = {"Bitte willigen Sie ein, damit die Gruppe Sie kontaktieren "
                                   "darf.",
                                   "Please give your consent so that the group may contact you.",
                                   "Grubun sizinle iletişime geçebilmesi için lütfen onay verin."},
    [DK_SIGNUP_CONSENT_VERSION_INVALID] = {"Der Text zur Einwilligung fehlt. Bitte wenden Sie "
                                           "sich an das Personal.",
                                           "The consent text is missing. Please ask a member of "
                                           "staff.",
                                           "Onay metni eksik. Lütfen bir görevliye başvurun."},
    [DK_SIGNUP_LANGUAGE_INVALID] = {"Die Sprache ist unbekannt. Bitte wählen Sie unten eine "
                                    "Sprache.",
                                    "The language is unknown. Please choose a language below.",
                                    "Dil bilinmiyor. Lütfen aşağıdan bir dil seçin."},
    [DK_SIGNUP_CREATED_INVALID] = {"Die Uhr dieses Geräts geht falsch. Bitte wenden Sie sich an "
                                   "das Personal.",
                                   "This device's clock is wrong. Please ask a member of staff.",
                                   "Bu cihazın saati yanlış. Lütfen bir görevliye başvurun."},
};

const char *dk_i18n_signup_problem(dk_lang lang, dk_signup_code code)
{
    if ((unsigned)code >= DK_SIGNUP_CODE_COUNT)
        return "";
    const char *s = signup_problems[code][known_lang(lang)];
    if (!s)
        s = signup_problems[code][DK_LANG_DE];
    return s ? s : "";
}

int dk_i18n_has_signup_problem(dk_lang lang, dk_signup_code code)
{
    return (unsigned)code < DK_SIGNUP_CODE_COUNT && (unsigned)lang < DK_LANG_COUNT &&
           signup_problems[code][lang] && signup_problems[code][lang][0];
}

const char *dk_i18n(dk_lang lang, dk_string_id id)
{
    if ((unsigned)id >= DK_S_COUNT)
        return "";
    const char *s = strings[id][known_lang(lang)];
    if (!s)
        s = strings[id][DK_LANG_DE];
    return s ? s : "";
}

int dk_i18n_has_translation(dk_lang lang, dk_string_id id)
{
    if ((unsigned)id >= DK_S_COUNT || (unsigned)lang >= DK_LANG_COUNT)
        return 0;
    return strings[id][lang] != NULL;
}

dk_string_id dk_i18n_status_id(dk_project_status status)
{
    switch (status) {
    case DK_STATUS_PLANNED:
        return DK_S_STATUS_PLANNED;
    case DK_STATUS_RUNNING:
        return DK_S_STATUS_RUNNING;
    case DK_STATUS_COMPLETED:
        return DK_S_STATUS_COMPLETED;
    default:
        return DK_S_COUNT;
    }
}

dk_string_id dk_i18n_group_kind_id(dk_group_kind kind)
{
    switch (kind) {
    case DK_GROUP_STEERING:
        return DK_S_GROUP_KIND_STEERING;
    case DK_GROUP_MARKETING:
        return DK_S_GROUP_KIND_MARKETING;
    case DK_GROUP_PROJECT:
        return DK_S_GROUP_KIND_PROJECT;
    case DK_GROUP_WORKING:
        return DK_S_GROUP_KIND_WORKING;
    default:
        return DK_S_COUNT;
    }
}

/* --- A bounded writer: appends until the buffer is full, then drops the rest. --- */

typedef struct sink {
    char *out;
    size_t size, len;
    int cut; /* something did not fit; nothing more is written, so no later, shorter piece
                can end up after a gap */
} sink;

static void sink_init(sink *k, char *out, size_t size)
{
    k->out = out;
    k->size = size;
    k->len = 0;
    k->cut = 0;
    out[0] = '\0';
}

static void sink_put(sink *k, const char *s, size_t n)
{
    if (k->cut || n == 0)
        return;
    size_t room = k->size - 1 - k->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* never end inside a UTF-8 sequence */
        k->cut = 1;
    }
    memcpy(k->out + k->len, s, n);
    k->len += n;
    k->out[k->len] = '\0';
}

static void sink_puts(sink *k, const char *s)
{
    sink_put(k, s, strlen(s));
}

static dk_err sink_result(const sink *k)
{
    return k->cut ? DK_ERR_LIMIT : DK_OK;
}

/* Writes tmpl with each PLACEHOLDER replaced by arg. */
static void put_filled(sink *k, const char *tmpl, const char *arg)
{
    const size_t plen = sizeof PLACEHOLDER - 1;
    for (const char *hit; (hit = strstr(tmpl, PLACEHOLDER)) != NULL; tmpl = hit + plen) {
        sink_put(k, tmpl, (size_t)(hit - tmpl));
        sink_puts(k, arg);
    }
    sink_puts(k, tmpl);
}

dk_err dk_i18n_fill(dk_lang lang, dk_string_id id, const char *arg, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return DK_ERR_INVALID;
    sink k;
    sink_init(&k, out, outsz);
    put_filled(&k, dk_i18n(lang, id), arg ? arg : "");
    return sink_result(&k);
}

/* --- Numbers --- */

/* Writes the digits int_digits[0..int_len) grouped in threes, then the decimal mark and
 * frac[0..frac_len) if frac_len > 0. */
static void put_grouped(sink *k, dk_lang lang, int negative, const char *int_digits, size_t int_len,
                        const char *frac, size_t frac_len)
{
    const char *group = known_lang(lang) == DK_LANG_EN ? "," : ".";
    const char *mark = known_lang(lang) == DK_LANG_EN ? "." : ",";
    if (negative)
        sink_puts(k, "-");
    for (size_t i = 0; i < int_len; i++) {
        sink_put(k, int_digits + i, 1);
        size_t left = int_len - i - 1;
        if (left > 0 && left % 3 == 0)
            sink_puts(k, group);
    }
    if (frac_len > 0) {
        sink_puts(k, mark);
        sink_put(k, frac, frac_len);
    }
}

static int has_nonzero_digit(const char *s)
{
    for (; *s; s++)
        if (*s >= '1' && *s <= '9')
            return 1;
    return 0;
}

dk_err dk_i18n_format_number(dk_lang lang, double value, int decimals, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return DK_ERR_INVALID;
    sink k;
    sink_init(&k, out, outsz);
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    /* DBL_MAX has 309 integer digits; with 9 decimals and the point this fits in 320. */
    char digits[400];
    int n = isfinite(value) ? snprintf(digits, sizeof digits, "%.*f", decimals, fabs(value)) : -1;
    if (n < 0 || (size_t)n >= sizeof digits) {
        sink_puts(&k, "\xE2\x80\x93"); /* U+2013 en dash: "no value" */
        return DK_ERR_INVALID;
    }
    size_t int_len = decimals > 0 ? (size_t)n - (size_t)decimals - 1 : (size_t)n;
    /* -0.001 rounded to two places is 0,00, not -0,00 */
    int negative = value < 0 && has_nonzero_digit(digits);
    put_grouped(&k, lang, negative, digits, int_len, digits + int_len + 1, (size_t)decimals);
    return sink_result(&k);
}

/* n in the language's digits, into buf (large enough for any long). */
static void format_long(dk_lang lang, long n, char *buf, size_t bufsz)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%ld", n);
    sink k;
    sink_init(&k, buf, bufsz);
    if (len <= 0 || (size_t)len >= sizeof digits)
        return; /* cannot happen: a long has at most 20 characters */
    int negative = digits[0] == '-';
    put_grouped(&k, lang, negative, digits + negative, (size_t)len - (size_t)negative, "", 0);
}

dk_err dk_i18n_format_count(dk_lang lang, dk_string_id id, long n, char *out, size_t outsz)
{
    if (n == 1)
        for (size_t i = 0; i < sizeof plurals / sizeof plurals[0]; i++)
            if (plurals[i].other == id)
                id = plurals[i].one;
    char number[64];
    format_long(lang, n, number, sizeof number);
    return dk_i18n_fill(lang, id, number, out, outsz);
}

/* --- Relative times --- */

dk_err dk_i18n_format_relative(dk_lang lang, long long seconds, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return DK_ERR_INVALID;
    int ahead = seconds > 0;
    /* |seconds| without overflowing for LLONG_MIN */
    unsigned long long s = ahead ? (unsigned long long)seconds : 0ull - (unsigned long long)seconds;
    if (s == 0)
        return dk_i18n_fill(lang, DK_S_TIME_NOW, NULL, out, outsz);
    if (s < 60)
        return dk_i18n_fill(lang, ahead ? DK_S_TIME_UNDER_A_MINUTE : DK_S_TIME_JUST_NOW, NULL, out,
                            outsz);
    if (s < 3600)
        return dk_i18n_format_count(lang, ahead ? DK_S_IN_MINUTES : DK_S_MINUTES_AGO,
                                    (long)(s / 60), out, outsz);
    if (s < 2 * 86400)
        return dk_i18n_format_count(lang, ahead ? DK_S_IN_HOURS : DK_S_HOURS_AGO,
                                    (long)(s / 3600), out, outsz);
    unsigned long long days = s / 86400;
    if (days > 999999)
        days = 999999; /* a clock far off: still a number a person can read */
    return dk_i18n_format_count(lang, ahead ? DK_S_IN_DAYS : DK_S_DAYS_AGO, (long)days, out,
                                outsz);
}

/* --- Dates --- */

typedef struct civil_time {
    int year, month, day;
    int has_time, hour, minute;
} civil_time;

#define YEAR_MIN 1
#define YEAR_MAX 9999

static int is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

static int date_exists(int year, int month, int day)
{
    return year >= YEAR_MIN && year <= YEAR_MAX && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month(year, month);
}

/* Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static long days_from_civil(int year, int month, int day)
{
    int y = month <= 2 ? year - 1 : year;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;                                                  /* [0, 399] */
    long doy = (153L * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1; /* [0, 365] */
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

int dk_i18n_weekday(int year, int month, int day)
{
    if (!date_exists(year, month, day))
        return -1;
    long w = (days_from_civil(year, month, day) + 3) % 7; /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int parse_digits(const char *s, int count, int *value)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 1;
}

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" exactly; 1 if it is a real date and time. */
static int parse_iso(const char *s, civil_time *c)
{
    size_t len = strnlen(s, 17);
    memset(c, 0, sizeof *c);
    if (len != 10 && len != 16)
        return 0;
    if (!parse_digits(s, 4, &c->year) || s[4] != '-' || !parse_digits(s + 5, 2, &c->month) ||
        s[7] != '-' || !parse_digits(s + 8, 2, &c->day))
        return 0;
    if (!date_exists(c->year, c->month, c->day))
        return 0;
    if (len == 16) {
        if (s[10] != 'T' || !parse_digits(s + 11, 2, &c->hour) || s[13] != ':' ||
            !parse_digits(s + 14, 2, &c->minute) || c->hour > 23 || c->minute > 59)
            return 0;
        c->has_time = 1;
    }
    return 1;
}

static void put_int(sink *k, int v)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d", v);
    sink_puts(k, buf);
}

static void put_time(sink *k, dk_lang lang, const civil_time *c)
{
    char hhmm[8];
    snprintf(hhmm, sizeof hhmm, "%02d:%02d", c->hour, c->minute);
    put_filled(k, dk_i18n(lang, DK_S_CLOCK_TIME), hhmm);
}

static void put_date(sink *k, dk_lang lang, const civil_time *c, int with_weekday)
{
    int wd = dk_i18n_weekday(c->year, c->month, c->day);
    const char *month = dk_i18n(lang, (dk_string_id)(DK_S_MONTH_JANUARY + c->month - 1));
    dk_string_id first = with_weekday == DK_WEEKDAY_LONG || lang == DK_LANG_TR
                             ? DK_S_WEEKDAY_MONDAY
                             : DK_S_WEEKDAY_SHORT_MONDAY;
    const char *weekday = dk_i18n(lang, (dk_string_id)(first + wd));

    switch (lang) {
    case DK_LANG_EN: /* "Thu, 3 December 2026" */
        if (with_weekday) {
            sink_puts(k, weekday);
            sink_puts(k, ", ");
        }
        put_int(k, c->day);
        sink_puts(k, " ");
        sink_puts(k, month);
        sink_puts(k, " ");
        put_int(k, c->year);
        break;
    case DK_LANG_TR: /* "3 Aralık 2026 Perşembe" */
        put_int(k, c->day);
        sink_puts(k, " ");
        sink_puts(k, month);
        sink_puts(k, " ");
        put_int(k, c->year);
        if (with_weekday) {
            sink_puts(k, " ");
            sink_puts(k, weekday);
        }
        break;
    default: /* German: "Do., 3. Dezember 2026" */
        if (with_weekday) {
            sink_puts(k, weekday);
            sink_puts(k, ", ");
        }
        put_int(k, c->day);
        sink_puts(k, ". ");
        sink_puts(k, month);
        sink_puts(k, " ");
        put_int(k, c->year);
        break;
    }
}

dk_err dk_i18n_format_date(dk_lang lang, const char *iso, char *out, size_t outsz, int with_weekday)
{
    if (!out || outsz == 0)
        return DK_ERR_INVALID;
    sink k;
    sink_init(&k, out, outsz);
    civil_time c;
    if (!iso || !parse_iso(iso, &c)) {
        sink_puts(&k, iso ? iso : "");
        return DK_ERR_INVALID;
    }
    lang = known_lang(lang);
    put_date(&k, lang, &c, with_weekday);
    if (c.has_time) {
        sink_puts(&k, ", ");
        put_time(&k, lang, &c);
    }
    return sink_result(&k);
}

dk_err dk_i18n_format_time(dk_lang lang, const char *iso, char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return DK_ERR_INVALID;
    sink k;
    sink_init(&k, out, outsz);
    civil_time c;
    if (!iso || !parse_iso(iso, &c)) {
        sink_puts(&k, iso ? iso : "");
        return DK_ERR_INVALID;
    }
    if (c.has_time)
        put_time(&k, known_lang(lang), &c);
    return sink_result(&k);
}
