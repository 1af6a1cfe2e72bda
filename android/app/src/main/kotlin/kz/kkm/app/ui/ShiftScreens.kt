package kz.kkm.app.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kz.kkm.app.logic.BlePermissions
import kz.kkm.app.logic.CashierModels
import kz.kkm.app.logic.PinChangeModel
import kz.kkm.app.logic.Screen
import kz.kkm.app.logic.SessionModel
import kz.kkm.app.logic.ShiftModel
import kz.kkm.app.logic.Times
import kz.kkm.core.ScanMode
import kz.kkm.sdk.Quantity
import kz.kkm.sdk.Tenge

@Composable
fun ReturnScreen(session: SessionModel, m: CashierModels) {
    val r = m.returns
    val s by r.state.collectAsStateWithLifecycle()
    val status by r.status.collectAsStateWithLifecycle()
    var fiscalId by remember { mutableStateOf("") }
    var scanning by remember { mutableStateOf(false) }
    // The camera only with its permission; what it reads goes to this screen's model.
    val camera = androidx.activity.compose.rememberLauncherForActivityResult(
        androidx.activity.result.contract.ActivityResultContracts.RequestPermission(),
    ) { granted ->
        scanning = granted
        if (!granted) r.report("Без разрешения на камеру введите фискальный признак")
    }
    val cameraPresent = hasCamera(androidx.compose.ui.platform.LocalContext.current)
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Возврат по чеку", style = MaterialTheme.typography.titleLarge)
        StatusLine(status)
        val original = s.original
        if (original == null) {
            OutlinedTextField(fiscalId, { fiscalId = it }, label = { Text("Фискальный признак") })
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Button(onClick = { r.find(fiscalId) }) { Text("Найти") }
                if (cameraPresent) {
                    OutlinedButton(onClick = {
                        if (scanning) scanning = false else camera.launch(android.Manifest.permission.CAMERA)
                    }) { Text(if (scanning) "Скрыть камеру" else "QR чека") }
                }
            }
            if (scanning) {
                CameraScanner(ScanMode.RECEIPT, Modifier.fillMaxWidth().height(220.dp), onError = {
                    r.report(it)
                    scanning = false
                }) { r.scanned(it) }
            }
        } else {
            Text("Чек ${original.fiscalId} от ${Times.format(original.dateTime)}: ${Tenge.format(original.totalTiyn)} ₸")
            original.basket.items.forEachIndexed { i, item ->
                val left = original.returnableMilli[i]
                val back = s.quantities.getOrElse(i) { 0L }
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text("${item.name}: можно ${Quantity.format(left)}")
                    OutlinedButton(enabled = left > 0, onClick = { r.setReturned(i, if (back > 0) 0 else left) }) {
                        Text(if (back > 0) "Возврат ${Quantity.format(back)}" else "Не возвращать")
                    }
                }
            }
            Text("К возврату: ${Tenge.format(s.totalTiyn)} ₸")
            Button(enabled = !s.isEmpty && !status.busy, onClick = { r.refund() }) { Text("Оформить возврат") }
            s.lastReceipt?.let { Text("Возврат №${it.documentNumber}: ФП ${it.fiscalId}") }
        }
        TextButton(onClick = { session.go(Screen.SALE) }) { Text("Назад") }
    }
}

@Composable
fun ShiftScreen(session: SessionModel, shift: ShiftModel, journal: Boolean) {
    val s by shift.state.collectAsStateWithLifecycle()
    val status by shift.status.collectAsStateWithLifecycle()
    var sum by remember { mutableStateOf("") }
    LaunchedEffect(journal) { if (journal) shift.loadJournal(s.info?.shiftNumber) else shift.refresh() }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(if (journal) "Журнал" else "Смена", style = MaterialTheme.typography.titleLarge)
        StatusLine(status)
        s.info?.let { i ->
            Text("Смена №${i.shiftNumber} " + (if (i.shiftOpen) "открыта" else "закрыта") + " · в кассе ${Tenge.format(i.cashInDrawerTiyn)} ₸")
        }
        s.timers?.let { t ->
            Text("Время кассы: ${Times.format(t.deviceTimeSecs)} (${Times.label(t.utcOffsetSecs)})")
            t.shiftSecsLeft?.let { Text("До конца 24 ч смены: ${it / 3600} ч") }
            t.autonomousHoursLeft?.let { Text("Автономный режим: осталось $it ч из 72") }
        }
        if (journal) {
            LazyColumn(Modifier.weight(1f)) {
                items(s.journal, key = { it.transactionId }) { e ->
                    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                        Text("${Times.format(e.dateTime)} №${e.documentNumber}")
                        TextButton(onClick = { shift.duplicate(e) }) { Text("Дубликат") }
                    }
                }
            }
        } else {
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                Button(enabled = !status.busy, onClick = { shift.xReport() }) { Text("X-отчёт") }
                Button(enabled = !status.busy, onClick = { shift.closeShift() }) { Text("Z-отчёт") }
            }
            OutlinedTextField(sum, { sum = it }, label = { Text("Сумма") })
            Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
                OutlinedButton(onClick = { Tenge.parse(sum)?.let(shift::deposit) }) { Text("Внесение") }
                OutlinedButton(onClick = { Tenge.parse(sum)?.let(shift::withdraw) }) { Text("Изъятие") }
            }
            s.lastReport?.let { r ->
                Text("${r.kind} смена №${r.shiftNumber}: выручка ${Tenge.format(r.revenueTiyn)} ₸, в кассе ${Tenge.format(r.cashInDrawerTiyn)} ₸")
            }
            TextButton(onClick = { session.go(Screen.JOURNAL) }) { Text("Журнал и дубликаты") }
        }
        TextButton(onClick = { session.go(Screen.SALE) }) { Text("Назад") }
    }
}

@Composable
fun PinChangeScreen(session: SessionModel, pin: PinChangeModel) {
    val s by pin.state.collectAsStateWithLifecycle()
    val status by pin.status.collectAsStateWithLifecycle()
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Смена PIN-кода", style = MaterialTheme.typography.titleLarge)
        if (pin.required) Text("Вы вошли с PIN-кодом 0000, который знает каждый. Задайте свой PIN-код: до этого другие экраны не откроются.")
        StatusLine(status)
        PinField(s.newPin, pin::setNew, "Новый PIN")
        PinField(s.confirm, pin::setConfirm, "Ещё раз")
        Button(enabled = s.canSubmit && !status.busy, onClick = { pin.submit() }) { Text("Сменить") }
        if (s.done) Text("PIN-код изменён")
        if (pin.required) {
            TextButton(onClick = { session.logout() }) { Text("Выйти") }
        } else {
            TextButton(onClick = { session.go(Screen.SALE) }) { Text("Назад") }
        }
    }
}

@Composable
fun PrinterScreen(model: CashierViewModel, shift: ShiftModel) {
    val context = androidx.compose.ui.platform.LocalContext.current
    val printers by model.printers.collectAsStateWithLifecycle()
    val status by shift.status.collectAsStateWithLifecycle()
    var explanation by remember { mutableStateOf<String?>(null) }
    val permissions = rememberPermissions { denied ->
        if (denied.isEmpty()) model.scanPrinters() else explanation = BlePermissions.explanation(denied)
    }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Принтер чеков (Bluetooth)", style = MaterialTheme.typography.titleLarge)
        StatusLine(status)
        explanation?.let { Text(it) }
        Button(onClick = {
            // Asked here, when the cashier looks for a printer; by API level (BlePermissions).
            val missing = BlePermissions.missing(android.os.Build.VERSION.SDK_INT) {
                androidx.core.content.ContextCompat.checkSelfPermission(context, it) ==
                    android.content.pm.PackageManager.PERMISSION_GRANTED
            }
            if (missing.isNotEmpty()) {
                permissions(missing.toTypedArray())
            } else {
                // Granted, but a scan with Bluetooth or Location off finds nothing: say so.
                explanation = BlePermissions.blocker(
                    android.os.Build.VERSION.SDK_INT,
                    bluetoothOn = bluetoothOn(context),
                    locationOn = locationOn(context),
                )
                if (explanation == null) model.scanPrinters()
            }
        }) { Text("Искать") }
        LazyColumn(Modifier.weight(1f)) {
            items(printers, key = { it.address }) { p ->
                TextButton(onClick = { model.choosePrinter(p) }) {
                    Text((p.name ?: p.address) + (if (p.likelyPrinter) " 🖨" else "") + " ${p.rssi ?: ""} dBm")
                }
            }
        }
        OutlinedButton(onClick = { shift.selfTest() }) { Text("Тест принтера") }
        TextButton(onClick = { model.session.go(Screen.SALE) }) { Text("Без принтера / назад") }
    }
}

private fun bluetoothOn(context: android.content.Context): Boolean =
    (context.getSystemService(android.content.Context.BLUETOOTH_SERVICE) as? android.bluetooth.BluetoothManager)
        ?.adapter?.isEnabled == true

private fun locationOn(context: android.content.Context): Boolean =
    (context.getSystemService(android.content.Context.LOCATION_SERVICE) as? android.location.LocationManager)
        ?.let { androidx.core.location.LocationManagerCompat.isLocationEnabled(it) } == true

/** A launcher asking for several permissions; the callback gets those denied. */
@Composable
private fun rememberPermissions(onResult: (Set<String>) -> Unit): (Array<String>) -> Unit {
    val launcher = androidx.activity.compose.rememberLauncherForActivityResult(
        androidx.activity.result.contract.ActivityResultContracts.RequestMultiplePermissions(),
    ) { onResult(it.filterValues { granted -> !granted }.keys) }
    return { launcher.launch(it) }
}
